//! Delayed delivery (Java `ScheduleMessageService`): messages with a delay level wait in
//! `SCHEDULE_TOPIC_XXXX` (queue = level - 1, ConsumeQueue tags code = delivery time) and are
//! copied to their real topic and queue when due. Progress per level is `delayOffset.json`.
//! Consumer retries use the same path, so this is what makes `CONSUMER_SEND_MSG_BACK` retries
//! arrive.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::controller::Broker;
use crate::common::clock::now_ms;
use crate::common::message::{self, property, MessageToStore, Record};
use crate::common::names::RMQ_SYS_SCHEDULE_TOPIC as SCHEDULE_TOPIC;

/// How often due messages are looked for (Java checks each level every 100 ms).
const TICK: Duration = Duration::from_millis(100);
/// Messages delivered per level per tick, so one busy level cannot starve the others.
const BATCH: usize = 256;

impl Broker {
    pub(super) async fn schedule_loop(self: Arc<Self>, stop: CancellationToken) {
        let levels = self.store_config.max_delay_level();
        let mut tick = tokio::time::interval(TICK);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tick.tick() => {}
            }
            if !self.role().is_master() {
                continue;
            }
            for level in 1..=levels as i32 {
                self.deliver_due(level, now_ms());
            }
        }
    }

    /// Delivers the due messages of one level; returns how many were delivered.
    pub(super) fn deliver_due(&self, level: i32, now: i64) -> usize {
        let Some(cq) = self.store.consume_queues().get(SCHEDULE_TOPIC, level - 1) else {
            return 0;
        };
        let mut offset = self
            .metadata
            .delay_offsets
            .get(level)
            .unwrap_or(0)
            .max(cq.min_offset());
        let mut delivered = 0;
        while delivered < BATCH && offset < cq.max_offset() {
            let Some(entry) = cq.get(offset) else { break };
            if entry.tags_code > now {
                break;
            }
            match self.deliver_one(entry.phys_offset) {
                Ok(()) => {}
                // The record is gone (retention) or unreadable: skip it rather than stall.
                Err(Outcome::Skip(reason)) => {
                    tracing::warn!("delayed message at {} skipped: {reason}", entry.phys_offset)
                }
                // Not stored (disk full, shutting down): try again next tick, never drop it.
                Err(Outcome::Retry) => break,
            }
            offset += 1;
            delivered += 1;
            self.metadata.delay_offsets.set(level, offset);
        }
        delivered
    }

    fn deliver_one(&self, phys_offset: i64) -> Result<(), Outcome> {
        let (file, pos) = self
            .store
            .commitlog()
            .read(phys_offset)
            .ok_or(Outcome::Skip("record no longer stored"))?;
        let Ok(Record::Message(view)) = message::decode_record(file.read_from(pos)) else {
            return Err(Outcome::Skip("not a message record"));
        };
        let props = view.properties();
        let real_topic = message::get_property(&props, property::REAL_TOPIC)
            .ok_or(Outcome::Skip("no REAL_TOPIC"))?;
        let real_qid: i32 = message::get_property(&props, property::REAL_QID)
            .and_then(|q| q.parse().ok())
            .ok_or(Outcome::Skip("no REAL_QID"))?;
        // As 4.9.8's `messageTimeup`: the stored properties are the delayed record's, re-written
        // in Java HashMap order; DELAY, REAL_TOPIC and REAL_QID stay (Java clears the delay
        // level only from the property map, after it has taken the properties string).
        let mut pairs: Vec<(&str, &str)> = message::properties(&props).collect();
        message::java_hashmap_order(&mut pairs);
        let properties = message::format_property_slice(&pairs);
        let msg = MessageToStore {
            topic: real_topic,
            queue_id: real_qid,
            flag: view.flag,
            body: view.body,
            body_crc: view.body_crc,
            sys_flag: view.sys_flag,
            born_timestamp: view.born_timestamp,
            born_host: view.born_host,
            store_host: self.store_host,
            reconsume_times: view.reconsume_times,
            prepared_transaction_offset: view.prepared_transaction_offset,
            properties: &properties,
        };
        self.store.put(&msg).map(|_| ()).map_err(|e| {
            tracing::error!(
                "delivering a delayed message to {real_topic} failed (will retry): {e}"
            );
            Outcome::Retry
        })
    }
}

enum Outcome {
    Skip(&'static str),
    Retry,
}
