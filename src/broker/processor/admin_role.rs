//! RMQ_CHANGE_BROKER_ROLE (rmq's own): `rmq broker promote` and `rmq broker demote`.

use crate::broker::controller::Broker;
use crate::broker::role_change::RoleChangeError;
use crate::config::BrokerRole;
use crate::net::{success, Connection, Failure, Outcome};
use crate::protocol::header::ChangeBrokerRoleRequestHeader;
use crate::protocol::{CommandHeader, RemotingCommand, ResponseCode};

pub(super) async fn change_role(
    broker: &Broker,
    conn: &Connection,
    req: &RemotingCommand,
) -> Outcome {
    let h = ChangeBrokerRoleRequestHeader::from_command(req)?;
    let role = match h.broker_role.as_str() {
        "ASYNC_MASTER" => BrokerRole::AsyncMaster,
        "SYNC_MASTER" => BrokerRole::SyncMaster,
        "SLAVE" => BrokerRole::Slave,
        other => {
            return Err(Failure::system(format!(
                "brokerRole must be ASYNC_MASTER, SYNC_MASTER or SLAVE, not '{other}'"
            )))
        }
    };
    tracing::warn!(client = %conn.peer_addr(), "role change to {role} requested");
    match broker
        .change_role(role, h.broker_id, h.ha_master_address)
        .await
    {
        Ok(change) => Ok(success(req).with_body(change.to_json())),
        Err(e @ (RoleChangeError::Partly { .. } | RoleChangeError::Store(_))) => {
            tracing::error!("role change: {e}");
            Err(Failure::system(e.to_string()))
        }
        Err(e) => Err(Failure::new(ResponseCode::SYSTEM_ERROR, e.to_string())),
    }
}
