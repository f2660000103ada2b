//! VIEW_BROKER_STATS_DATA (315), as 4.9.8's `AdminBrokerProcessor.ViewBrokerStatsData`: one
//! statistic of one key (`TOPIC_PUT_NUMS` of a topic, `GROUP_GET_NUMS` of `topic@group`, ...)
//! over the last minute, hour and day, from the broker's sampled counters
//! ([`crate::broker::stats::KeyedStats`]). A statistic rmq does not keep, or a key nothing was
//! counted for yet, is answered as Java answers a missing item: SYSTEM_ERROR
//! `The stats <name> <key> not exist`.

use crate::broker::controller::Broker;
use crate::broker::stats::{StatsSnapshot, Window};
use crate::net::{success, Failure, Outcome};
use crate::protocol::body::{BrokerStatsData, BrokerStatsItem};
use crate::protocol::header::ViewBrokerStatsDataRequestHeader;
use crate::protocol::{CommandHeader, RemotingCommand};

pub(super) fn view_broker_stats_data(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let h = ViewBrokerStatsDataRequestHeader::from_command(req)?;
    let Some(item) = broker
        .stats
        .keyed
        .set(&h.stats_name)
        .and_then(|set| set.get(&h.stats_key))
    else {
        return Err(Failure::system(format!(
            "The stats <{}> <{}> not exist",
            h.stats_name, h.stats_key
        )));
    };
    let window = |w: Window| {
        let StatsSnapshot { sum, tps, avgpt } = item.snapshot(w);
        BrokerStatsItem { sum, tps, avgpt }
    };
    let body = BrokerStatsData {
        stats_minute: window(Window::Minute),
        stats_hour: window(Window::Hour),
        stats_day: window(Window::Day),
    };
    Ok(success(req).with_body(body.to_json()))
}
