//! Admin calls (what mqadmin does): topics, groups, stats, broker config and runtime info,
//! offsets, write permission, and message lookups.

use bytes::Bytes;

use super::{expect, header, request, ClientError, MqClient, Result};
use crate::common::names::AUTO_CREATE_TOPIC_KEY_TOPIC;
use crate::config::Properties;
use crate::protocol::body::{
    ConsumeStats, ConsumerConnection, GroupList, KVTable, ProducerConnection, ResetOffsetBody,
    SubscriptionGroupConfig, SubscriptionGroupWrapper, TopicConfig, TopicConfigSerializeWrapper,
    TopicList, TopicStatsTable,
};
use crate::protocol::header::{
    AddWritePermResponseHeader, BrokerNameHeader, ConsumerGroupHeader, CreateTopicRequestHeader,
    DeleteSubscriptionGroupRequestHeader, DeleteTopicFromNamesrvRequestHeader,
    EarliestMsgStoretimeResponseHeader, GetConsumeStatsRequestHeader,
    GetTopicsByClusterRequestHeader, OffsetResponseHeader, ProducerGroupHeader,
    PutKvConfigRequestHeader, QueryConsumerOffsetRequestHeader, QueryMessageRequestHeader,
    ResetOffsetRequestHeader, SearchOffsetRequestHeader, TopicQueueRequestHeader,
    TopicRequestHeader, UpdateConsumerOffsetRequestHeader, ViewMessageRequestHeader,
    WipeWritePermResponseHeader,
};
use crate::protocol::{ExtFields, ProtocolError, RemotingCommand, RequestCode, ResponseCode};

fn body<T>(addr: &str, parsed: std::result::Result<T, ProtocolError>) -> Result<T> {
    parsed.map_err(|source| ClientError::Protocol {
        addr: addr.to_string(),
        source,
    })
}

impl MqClient {
    // ------------------------------------------------------------------------------- topics

    pub async fn create_topic(&self, broker_addr: &str, tc: &TopicConfig) -> Result<()> {
        let h = CreateTopicRequestHeader {
            topic: tc.topic_name.clone(),
            default_topic: AUTO_CREATE_TOPIC_KEY_TOPIC.into(),
            read_queue_nums: tc.read_queue_nums,
            write_queue_nums: tc.write_queue_nums,
            perm: tc.perm,
            topic_filter_type: tc.topic_filter_type.to_string(),
            topic_sys_flag: Some(tc.topic_sys_flag),
            order: tc.order,
        };
        self.call(
            broker_addr,
            request(RequestCode::UPDATE_AND_CREATE_TOPIC, &h),
        )
        .await
        .map(|_| ())
    }

    pub async fn delete_topic_in_broker(&self, broker_addr: &str, topic: &str) -> Result<()> {
        let h = TopicRequestHeader {
            topic: topic.into(),
        };
        self.call(
            broker_addr,
            request(RequestCode::DELETE_TOPIC_IN_BROKER, &h),
        )
        .await
        .map(|_| ())
    }

    /// Deletes the topic's route from one name server (optionally for one cluster only).
    pub async fn delete_topic_in_namesrv(
        &self,
        namesrv: &str,
        topic: &str,
        cluster: Option<&str>,
    ) -> Result<()> {
        let h = DeleteTopicFromNamesrvRequestHeader {
            topic: topic.into(),
            cluster_name: cluster.map(String::from),
        };
        self.call(namesrv, request(RequestCode::DELETE_TOPIC_IN_NAMESRV, &h))
            .await
            .map(|_| ())
    }

    pub async fn topics_by_cluster(&self, cluster: &str) -> Result<TopicList> {
        let h = GetTopicsByClusterRequestHeader {
            cluster: cluster.into(),
        };
        let r = self
            .call_namesrv(request(RequestCode::GET_TOPICS_BY_CLUSTER, &h))
            .await?;
        body("name server", TopicList::from_json(&r.body))
    }

    pub async fn all_topic_configs(
        &self,
        broker_addr: &str,
    ) -> Result<TopicConfigSerializeWrapper> {
        let r = self
            .call(
                broker_addr,
                RemotingCommand::request(RequestCode::GET_ALL_TOPIC_CONFIG, ExtFields::new()),
            )
            .await?;
        body(broker_addr, TopicConfigSerializeWrapper::from_json(&r.body))
    }

    pub async fn topic_stats(&self, broker_addr: &str, topic: &str) -> Result<TopicStatsTable> {
        let h = TopicRequestHeader {
            topic: topic.into(),
        };
        let r = self
            .call(broker_addr, request(RequestCode::GET_TOPIC_STATS_INFO, &h))
            .await?;
        body(broker_addr, TopicStatsTable::from_json(&r.body))
    }

    pub async fn topic_consumed_by(&self, broker_addr: &str, topic: &str) -> Result<GroupList> {
        let h = TopicRequestHeader {
            topic: topic.into(),
        };
        let r = self
            .call(
                broker_addr,
                request(RequestCode::QUERY_TOPIC_CONSUME_BY_WHO, &h),
            )
            .await?;
        body(broker_addr, GroupList::from_json(&r.body))
    }

    // ------------------------------------------------------------------------------- groups

    pub async fn create_group(
        &self,
        broker_addr: &str,
        group: &SubscriptionGroupConfig,
    ) -> Result<()> {
        let req = RemotingCommand::request(
            RequestCode::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
            ExtFields::new(),
        )
        .with_body(group.to_json());
        self.call(broker_addr, req).await.map(|_| ())
    }

    pub async fn delete_group(&self, broker_addr: &str, group: &str) -> Result<()> {
        let h = DeleteSubscriptionGroupRequestHeader {
            group_name: group.into(),
            clean_offset: None,
        };
        self.call(
            broker_addr,
            request(RequestCode::DELETE_SUBSCRIPTIONGROUP, &h),
        )
        .await
        .map(|_| ())
    }

    pub async fn all_groups(&self, broker_addr: &str) -> Result<SubscriptionGroupWrapper> {
        let req = RemotingCommand::request(
            RequestCode::GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
            ExtFields::new(),
        );
        let r = self.call(broker_addr, req).await?;
        body(broker_addr, SubscriptionGroupWrapper::from_json(&r.body))
    }

    pub async fn consume_stats(
        &self,
        broker_addr: &str,
        group: &str,
        topic: Option<&str>,
    ) -> Result<ConsumeStats> {
        let h = GetConsumeStatsRequestHeader {
            consumer_group: group.into(),
            topic: topic.map(String::from),
        };
        let r = self
            .call(broker_addr, request(RequestCode::GET_CONSUME_STATS, &h))
            .await?;
        body(broker_addr, ConsumeStats::from_json(&r.body))
    }

    /// Online consumers of a group; `Ok(None)` when none is online.
    pub async fn consumer_connection(
        &self,
        broker_addr: &str,
        group: &str,
    ) -> Result<Option<ConsumerConnection>> {
        let h = ConsumerGroupHeader {
            consumer_group: group.into(),
        };
        let r = self
            .invoke(
                broker_addr,
                request(RequestCode::GET_CONSUMER_CONNECTION_LIST, &h),
            )
            .await?;
        if r.response_code() == ResponseCode::CONSUMER_NOT_ONLINE {
            return Ok(None);
        }
        let r = expect(broker_addr, r, &[ResponseCode::SUCCESS])?;
        body(broker_addr, ConsumerConnection::from_json(&r.body)).map(Some)
    }

    pub async fn producer_connection(
        &self,
        broker_addr: &str,
        group: &str,
    ) -> Result<ProducerConnection> {
        let h = ProducerGroupHeader {
            producer_group: group.into(),
        };
        let r = self
            .call(
                broker_addr,
                request(RequestCode::GET_PRODUCER_CONNECTION_LIST, &h),
            )
            .await?;
        body(broker_addr, ProducerConnection::from_json(&r.body))
    }

    // ------------------------------------------------------------------------------- brokers

    pub async fn broker_runtime_info(&self, broker_addr: &str) -> Result<KVTable> {
        let req = RemotingCommand::request(RequestCode::GET_BROKER_RUNTIME_INFO, ExtFields::new());
        let r = self.call(broker_addr, req).await?;
        body(broker_addr, KVTable::from_json(&r.body))
    }

    pub async fn broker_config(&self, broker_addr: &str) -> Result<Properties> {
        let r = self
            .call(
                broker_addr,
                RemotingCommand::request(RequestCode::GET_BROKER_CONFIG, ExtFields::new()),
            )
            .await?;
        Properties::parse(&String::from_utf8_lossy(&r.body))
            .map_err(|e| ClientError::Other(format!("{broker_addr}: bad config body: {e}")))
    }

    pub async fn update_broker_config(&self, broker_addr: &str, props: &Properties) -> Result<()> {
        let req = RemotingCommand::request(RequestCode::UPDATE_BROKER_CONFIG, ExtFields::new())
            .with_body(props.to_plain_string().into_bytes());
        self.call(broker_addr, req).await.map(|_| ())
    }

    /// Removes (wipe) or restores (add) write permission of broker `name` on one name server;
    /// returns how many topics changed.
    /// Puts a KV config entry on one name server (e.g. `ORDER_TOPIC_CONFIG`).
    pub async fn put_kv_config(
        &self,
        namesrv: &str,
        namespace: &str,
        key: &str,
        value: &str,
    ) -> Result<()> {
        let h = PutKvConfigRequestHeader {
            namespace: namespace.into(),
            key: key.into(),
            value: value.into(),
        };
        self.call(namesrv, request(RequestCode::PUT_KV_CONFIG, &h))
            .await
            .map(|_| ())
    }

    pub async fn set_write_perm(
        &self,
        namesrv: &str,
        broker_name: &str,
        writable: bool,
    ) -> Result<i32> {
        let h = BrokerNameHeader {
            broker_name: broker_name.into(),
        };
        if writable {
            let r = self
                .call(namesrv, request(RequestCode::ADD_WRITE_PERM_OF_BROKER, &h))
                .await?;
            Ok(header::<AddWritePermResponseHeader>(namesrv, &r)?.add_topic_count)
        } else {
            let r = self
                .call(namesrv, request(RequestCode::WIPE_WRITE_PERM_OF_BROKER, &h))
                .await?;
            Ok(header::<WipeWritePermResponseHeader>(namesrv, &r)?.wipe_topic_count)
        }
    }

    // ------------------------------------------------------------------------------- offsets

    pub async fn max_offset(&self, broker_addr: &str, topic: &str, queue_id: i32) -> Result<i64> {
        let h = TopicQueueRequestHeader {
            topic: topic.into(),
            queue_id,
            broker_name: None,
        };
        let r = self
            .call(broker_addr, request(RequestCode::GET_MAX_OFFSET, &h))
            .await?;
        Ok(header::<OffsetResponseHeader>(broker_addr, &r)?.offset)
    }

    pub async fn min_offset(&self, broker_addr: &str, topic: &str, queue_id: i32) -> Result<i64> {
        let h = TopicQueueRequestHeader {
            topic: topic.into(),
            queue_id,
            broker_name: None,
        };
        let r = self
            .call(broker_addr, request(RequestCode::GET_MIN_OFFSET, &h))
            .await?;
        Ok(header::<OffsetResponseHeader>(broker_addr, &r)?.offset)
    }

    pub async fn earliest_store_time(
        &self,
        broker_addr: &str,
        topic: &str,
        queue_id: i32,
    ) -> Result<i64> {
        let h = TopicQueueRequestHeader {
            topic: topic.into(),
            queue_id,
            broker_name: None,
        };
        let r = self
            .call(
                broker_addr,
                request(RequestCode::GET_EARLIEST_MSG_STORETIME, &h),
            )
            .await?;
        Ok(header::<EarliestMsgStoretimeResponseHeader>(broker_addr, &r)?.timestamp)
    }

    /// The first offset stored at or after `timestamp` ms.
    pub async fn search_offset(
        &self,
        broker_addr: &str,
        topic: &str,
        queue_id: i32,
        timestamp: i64,
    ) -> Result<i64> {
        let h = SearchOffsetRequestHeader {
            topic: topic.into(),
            queue_id,
            timestamp,
            broker_name: None,
        };
        let r = self
            .call(
                broker_addr,
                request(RequestCode::SEARCH_OFFSET_BY_TIMESTAMP, &h),
            )
            .await?;
        Ok(header::<OffsetResponseHeader>(broker_addr, &r)?.offset)
    }

    /// The committed offset of a group on a queue; `None` when the broker has none.
    pub async fn query_consumer_offset(
        &self,
        broker_addr: &str,
        group: &str,
        topic: &str,
        queue_id: i32,
    ) -> Result<Option<i64>> {
        let h = QueryConsumerOffsetRequestHeader {
            consumer_group: group.into(),
            topic: topic.into(),
            queue_id,
            set_zero_if_not_found: Some(false),
            broker_name: None,
        };
        let r = self
            .invoke(broker_addr, request(RequestCode::QUERY_CONSUMER_OFFSET, &h))
            .await?;
        if r.response_code() == ResponseCode::QUERY_NOT_FOUND {
            return Ok(None);
        }
        let r = expect(broker_addr, r, &[ResponseCode::SUCCESS])?;
        Ok(Some(
            header::<OffsetResponseHeader>(broker_addr, &r)?.offset,
        ))
    }

    pub async fn update_consumer_offset(
        &self,
        broker_addr: &str,
        group: &str,
        topic: &str,
        queue_id: i32,
        offset: i64,
    ) -> Result<()> {
        let h = UpdateConsumerOffsetRequestHeader {
            consumer_group: group.into(),
            topic: topic.into(),
            queue_id,
            commit_offset: offset,
            broker_name: None,
        };
        self.call(
            broker_addr,
            request(RequestCode::UPDATE_CONSUMER_OFFSET, &h),
        )
        .await
        .map(|_| ())
    }

    /// Asks the broker to reset a group's offsets to `timestamp` (−1 = the end), pushing the
    /// reset to online consumers (mqadmin resetOffsetByTime). `Ok(None)`: no consumer online.
    pub async fn reset_offset_by_time(
        &self,
        broker_addr: &str,
        topic: &str,
        group: &str,
        timestamp: i64,
        force: bool,
    ) -> Result<Option<ResetOffsetBody>> {
        let h = ResetOffsetRequestHeader {
            topic: topic.into(),
            group: group.into(),
            timestamp,
            is_force: force,
        };
        let r = self
            .invoke(
                broker_addr,
                request(RequestCode::INVOKE_BROKER_TO_RESET_OFFSET, &h),
            )
            .await?;
        if r.response_code() == ResponseCode::CONSUMER_NOT_ONLINE {
            return Ok(None);
        }
        let r = expect(broker_addr, r, &[ResponseCode::SUCCESS])?;
        body(broker_addr, ResetOffsetBody::from_json(&r.body)).map(Some)
    }

    // ------------------------------------------------------------------------------- lookups

    /// The stored record at a physical offset (from an offset message id).
    pub async fn view_message(&self, broker_addr: &str, phys_offset: i64) -> Result<Bytes> {
        let h = ViewMessageRequestHeader {
            offset: phys_offset,
        };
        Ok(self
            .call(broker_addr, request(RequestCode::VIEW_MESSAGE_BY_ID, &h))
            .await?
            .body)
    }

    /// Stored records whose key (or unique key, with `unique`) matches, in `[begin, end]` ms.
    #[allow(clippy::too_many_arguments)] // mirrors QUERY_MESSAGE's header fields one to one
    pub async fn query_message(
        &self,
        broker_addr: &str,
        topic: &str,
        key: &str,
        max: i32,
        begin: i64,
        end: i64,
        unique: bool,
    ) -> Result<Bytes> {
        let h = QueryMessageRequestHeader {
            topic: topic.into(),
            key: key.into(),
            max_num: max,
            begin_timestamp: begin,
            end_timestamp: end,
        };
        let mut req = request(RequestCode::QUERY_MESSAGE, &h);
        req.ext_mut()
            .insert("_UNIQUE_KEY_QUERY", unique.to_string());
        let r = self.invoke(broker_addr, req).await?;
        if r.response_code() == ResponseCode::QUERY_NOT_FOUND {
            return Ok(Bytes::new());
        }
        Ok(expect(broker_addr, r, &[ResponseCode::SUCCESS])?.body)
    }
}
