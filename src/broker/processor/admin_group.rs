//! Subscription group administration: UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200),
//! GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201) and DELETE_SUBSCRIPTIONGROUP (207).

use super::refuse_on_slave;
use crate::broker::controller::Broker;
use crate::command_header;
use crate::net::{success, Connection, Failure, Outcome};
use crate::protocol::body::SubscriptionGroupConfig;
use crate::protocol::{CommandHeader, RemotingCommand};

command_header! {
    /// DELETE_SUBSCRIPTIONGROUP (207) request: 4.9.8 sends `removeOffset`, 5.x `cleanOffset`;
    /// either one asks for the group's offsets to go too.
    pub struct DeleteGroupHeader("DeleteSubscriptionGroupRequestHeader") {
        group_name: String => "groupName",
        remove_offset: Option<bool> => "removeOffset",
        clean_offset: Option<bool> => "cleanOffset",
    }
}

pub(super) fn update_and_create_subscription_group(
    broker: &Broker,
    conn: &Connection,
    req: &RemotingCommand,
) -> Outcome {
    refuse_on_slave(broker)?;
    tracing::info!(peer = %conn.peer_addr(), "updateAndCreateSubscriptionGroup");
    // Java decodes a missing body to null and answers SUCCESS without doing anything.
    if req.body.is_empty() {
        return Ok(success(req));
    }
    let config = SubscriptionGroupConfig::from_json(&req.body)?;
    // Java would store a nameless group; refusing it keeps subscriptionGroup.json sane.
    if config.group_name.trim().is_empty() {
        return Err(Failure::system(
            "SubscriptionGroupConfig: groupName is blank",
        ));
    }
    broker.metadata.groups.update(config);
    Ok(success(req))
}

pub(super) fn get_all_subscription_group(broker: &Broker, req: &RemotingCommand) -> Outcome {
    Ok(success(req).with_body(broker.metadata.groups.all().to_json()))
}

pub(super) fn delete_subscription_group(
    broker: &Broker,
    conn: &Connection,
    req: &RemotingCommand,
) -> Outcome {
    refuse_on_slave(broker)?;
    let h = DeleteGroupHeader::from_command(req)?;
    tracing::info!(peer = %conn.peer_addr(), group = %h.group_name, "deleteSubscriptionGroup");
    broker.metadata.groups.delete(&h.group_name);
    if h.remove_offset == Some(true) || h.clean_offset == Some(true) {
        broker.metadata.offsets.remove_group(&h.group_name);
    }
    if broker.with_cfg(|c| c.auto_delete_unused_stats) {
        broker.stats.keyed.remove_group(&h.group_name);
    }
    Ok(success(req))
}
