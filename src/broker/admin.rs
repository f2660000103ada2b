//! Admin requests used by mqadmin and `rmq` (topics, groups, stats, connections, config).
//! Returns `None` for codes it does not handle, which the dispatcher answers with
//! REQUEST_CODE_NOT_SUPPORTED.

use super::controller::Broker;
use crate::net::Connection;
use crate::protocol::RemotingCommand;

impl Broker {
    pub(super) async fn admin(
        &self,
        _conn: &Connection,
        _req: &RemotingCommand,
    ) -> Option<RemotingCommand> {
        None
    }
}
