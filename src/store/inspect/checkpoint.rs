//! The checkpoint file.

use std::path::Path;

use super::{invalid, io_err, InspectError};
use crate::store::checkpoint::{CheckpointData, CHECKPOINT_FILE_SIZE};

/// Reads a checkpoint file (exactly one 4 KiB page, as Java maps it).
pub fn read_checkpoint(path: &Path) -> Result<CheckpointData, InspectError> {
    let bytes = std::fs::read(path).map_err(|e| io_err(path, e))?;
    if bytes.len() != CHECKPOINT_FILE_SIZE {
        return Err(invalid(
            path,
            format!(
                "not a checkpoint file: {} bytes, a checkpoint is {CHECKPOINT_FILE_SIZE}",
                bytes.len()
            ),
        ));
    }
    CheckpointData::parse(&bytes).map_err(|source| InspectError::Checkpoint {
        path: path.to_path_buf(),
        source,
    })
}
