//! The message store, byte-compatible with the Apache RocketMQ 4.9.x on-disk layout: the
//! CommitLog of mapped files, ConsumeQueues, IndexFiles, the checkpoint, recovery, flushing and
//! retention. It knows nothing of the network.

pub mod checkpoint;
pub mod commitlog;
pub mod consume_queue;
pub mod error;
pub mod index;
pub mod inspect;
pub mod mapped_file;
pub mod message_store;
pub mod reuse;
pub mod salvage;
pub mod truncate;

pub use error::StoreError;
pub use message_store::{
    FlushStats, GetResult, GetStatus, MessageFilter, MessageStore, NewDataWait, PutError, PutOk,
    ReplicaError,
};
