//! `BrokerConfig`: identity, naming, feature switches and thread pools of a broker, with the
//! transport settings (`NettyServerConfig`, `NettyClientConfig`) that come from the same file.

use std::path::PathBuf;

use super::error::ConfigError;
use super::netty::{NettyClientConfig, NettyServerConfig};
use super::table::{
    config_table, in_range, non_negative, positive, AddrList, Codec, HomePath, ADDR_LIST_EXPECTED,
};
use crate::common::host::{available_processors, local_host_name, local_ipv4};

/// The broker's default remoting port (BrokerStartup overrides NettyServerConfig's 8888).
pub const DEFAULT_BROKER_LISTEN_PORT: i32 = 10911;

/// Environment variable holding the name server list when the config has none.
pub const NAMESRV_ADDR_ENV: &str = "NAMESRV_ADDR";

/// Environment variable Java reads for `rocketmqHome`.
pub const ROCKETMQ_HOME_ENV: &str = "ROCKETMQ_HOME";

pub(crate) fn rocketmq_home_from_env() -> Option<PathBuf> {
    std::env::var_os(ROCKETMQ_HOME_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

config_table! {
    /// `org.apache.rocketmq.common.BrokerConfig` (4.9.x keys and defaults).
    pub struct BrokerConfig {
        /// `$ROCKETMQ_HOME`; Java requires it, rmq does not use it.
        rocketmq_home: Option<PathBuf> = rocketmq_home_from_env() => "rocketmqHome" via HomePath;
        /// Name servers as `host:port`. `None` when the file has none; the caller may then
        /// apply `$NAMESRV_ADDR` with [`BrokerConfig::apply_namesrv_addr_env`].
        namesrv_addr: Option<Vec<String>> = None => "namesrvAddr" via AddrList;
        /// Address announced for clients (`brokerAddr` = brokerIP1:listenPort).
        broker_ip1: String = local_ipv4().to_string() => "brokerIP1";
        /// Address announced for HA (`haServerAddr`). Chosen independently of brokerIP1: setting
        /// brokerIP1 alone leaves this on the NIC address, as in Java.
        broker_ip2: String = local_ipv4().to_string() => "brokerIP2";
        broker_name: String = local_host_name() => "brokerName";
        broker_cluster_name: String = "DefaultCluster".to_string() => "brokerClusterName";
        /// 0 = master; a slave needs a positive id.
        broker_id: i64 = 0 => "brokerId";
        /// Permission bits announced for this broker's topics (2 write, 4 read, 1 inherit).
        broker_permission: i32 = 6 => "brokerPermission" check in_range(0, 7);
        /// Queue count of auto-created topics (the TBW102 template).
        default_topic_queue_nums: i32 = 8 => "defaultTopicQueueNums" check positive;
        auto_create_topic_enable: bool = true => "autoCreateTopicEnable";
        /// Create a topic named after the cluster.
        cluster_topic_enable: bool = true => "clusterTopicEnable";
        /// Create a topic named after the broker.
        broker_topic_enable: bool = true => "brokerTopicEnable";
        auto_create_subscription_group: bool = true => "autoCreateSubscriptionGroup";
        message_store_plug_in: String = String::new() => "messageStorePlugIn";
        msg_trace_topic_name: String = "RMQ_SYS_TRACE_TOPIC".to_string() => "msgTraceTopicName";
        trace_topic_enable: bool = false => "traceTopicEnable";
        send_message_thread_pool_nums: i32 = available_processors().min(4)
            => "sendMessageThreadPoolNums" check positive;
        pull_message_thread_pool_nums: i32 = 16 + available_processors() * 2
            => "pullMessageThreadPoolNums" check positive;
        process_reply_message_thread_pool_nums: i32 = 16 + available_processors() * 2
            => "processReplyMessageThreadPoolNums" check positive;
        query_message_thread_pool_nums: i32 = 8 + available_processors()
            => "queryMessageThreadPoolNums" check positive;
        admin_broker_thread_pool_nums: i32 = 16 => "adminBrokerThreadPoolNums" check positive;
        client_manage_thread_pool_nums: i32 = 32 => "clientManageThreadPoolNums" check positive;
        consumer_manage_thread_pool_nums: i32 = 32
            => "consumerManageThreadPoolNums" check positive;
        heartbeat_thread_pool_nums: i32 = available_processors().min(32)
            => "heartbeatThreadPoolNums" check positive;
        end_transaction_thread_pool_nums: i32 = 8 + available_processors() * 2
            => "endTransactionThreadPoolNums" check positive;
        /// How often (ms) consumer offsets are persisted.
        flush_consumer_offset_interval: i32 = 5000
            => "flushConsumerOffsetInterval" check positive;
        flush_consumer_offset_history_interval: i32 = 60_000
            => "flushConsumerOffsetHistoryInterval";
        reject_transaction_message: bool = false => "rejectTransactionMessage";
        fetch_namesrv_addr_by_address_server: bool = false => "fetchNamesrvAddrByAddressServer";
        send_thread_pool_queue_capacity: i32 = 10_000 => "sendThreadPoolQueueCapacity";
        pull_thread_pool_queue_capacity: i32 = 100_000 => "pullThreadPoolQueueCapacity";
        reply_thread_pool_queue_capacity: i32 = 10_000 => "replyThreadPoolQueueCapacity";
        query_thread_pool_queue_capacity: i32 = 20_000 => "queryThreadPoolQueueCapacity";
        client_manager_thread_pool_queue_capacity: i32 = 1_000_000
            => "clientManagerThreadPoolQueueCapacity";
        consumer_manager_thread_pool_queue_capacity: i32 = 1_000_000
            => "consumerManagerThreadPoolQueueCapacity";
        heartbeat_thread_pool_queue_capacity: i32 = 50_000 => "heartbeatThreadPoolQueueCapacity";
        end_transaction_pool_queue_capacity: i32 = 100_000 => "endTransactionPoolQueueCapacity";
        filter_server_nums: i32 = 0 => "filterServerNums";
        /// Hold pulls that find no message until one arrives (long polling).
        long_polling_enable: bool = true => "longPollingEnable";
        /// How long (ms) a pull is held when long polling is off.
        short_polling_time_mills: i64 = 1000 => "shortPollingTimeMills" check positive;
        /// Tell consumers of a group when its membership changes.
        notify_consumer_ids_changed_enable: bool = true => "notifyConsumerIdsChangedEnable";
        high_speed_mode: bool = false => "highSpeedMode";
        commercial_enable: bool = true => "commercialEnable";
        commercial_timer_count: i32 = 1 => "commercialTimerCount";
        commercial_trans_count: i32 = 1 => "commercialTransCount";
        commercial_big_count: i32 = 1 => "commercialBigCount";
        commercial_base_count: i32 = 1 => "commercialBaseCount";
        transfer_msg_by_heap: bool = true => "transferMsgByHeap";
        max_delay_time: i32 = 40 => "maxDelayTime";
        region_id: String = "DefaultRegion".to_string() => "regionId";
        register_broker_timeout_mills: i32 = 6000
            => "registerBrokerTimeoutMills" check positive;
        /// Let consumers pull from this slave.
        slave_read_enable: bool = false => "slaveReadEnable";
        disable_consume_if_consumer_read_slowly: bool = false
            => "disableConsumeIfConsumerReadSlowly";
        consumer_fallbehind_threshold: i64 = 16 * 1024 * 1024 * 1024
            => "consumerFallbehindThreshold";
        /// Reject queued requests that waited too long instead of serving them late.
        broker_fast_failure_enable: bool = true => "brokerFastFailureEnable";
        wait_time_mills_in_send_queue: i64 = 200 => "waitTimeMillsInSendQueue";
        wait_time_mills_in_pull_queue: i64 = 5000 => "waitTimeMillsInPullQueue";
        wait_time_mills_in_heartbeat_queue: i64 = 31_000 => "waitTimeMillsInHeartbeatQueue";
        wait_time_mills_in_transaction_queue: i64 = 3000 => "waitTimeMillsInTransactionQueue";
        start_accept_send_request_time_stamp: i64 = 0 => "startAcceptSendRequestTimeStamp";
        trace_on: bool = true => "traceOn";
        enable_calc_filter_bit_map: bool = false => "enableCalcFilterBitMap";
        expect_consumer_num_use_filter: i32 = 32 => "expectConsumerNumUseFilter";
        max_error_rate_of_bloom_filter: i32 = 20 => "maxErrorRateOfBloomFilter";
        filter_data_clean_time_span: i64 = 24 * 3600 * 1000 => "filterDataCleanTimeSpan";
        filter_support_retry: bool = false => "filterSupportRetry";
        /// SQL92 property filtering.
        enable_property_filter: bool = false => "enablePropertyFilter";
        compressed_register: bool = false => "compressedRegister";
        force_register: bool = true => "forceRegister";
        /// Period (ms) of REGISTER_BROKER; Java uses max(10000, min(this, 60000)).
        register_name_server_period: i32 = 30_000
            => "registerNameServerPeriod" check positive;
        /// Age (ms) before a half message is first checked.
        transaction_time_out: i64 = 6000 => "transactionTimeOut" check non_negative;
        /// Checks before a half message is discarded.
        transaction_check_max: i32 = 15 => "transactionCheckMax" check positive;
        /// Period (ms) of the transaction check.
        transaction_check_interval: i64 = 60_000 => "transactionCheckInterval" check positive;
        acl_enable: bool = false => "aclEnable";
        store_reply_message_enable: bool = true => "storeReplyMessageEnable";
        auto_delete_unused_stats: bool = false => "autoDeleteUnusedStats";
        /// Port of the Prometheus `/metrics` endpoint (5.x's key, read at start); 0 = off,
        /// rmq's default (5.x serves it on 5557 when `metricsExporterType=PROM`).
        metrics_prom_exporter_port: i32 = 0 => "metricsPromExporterPort" check in_range(0, 65535);
        /// Host the `/metrics` endpoint binds; blank = brokerIP1, as in 5.x.
        metrics_prom_exporter_host: String = String::new() => "metricsPromExporterHost";
        /// Keys UPDATE_BROKER_CONFIG may not change (`rocketmqHome` is always refused too).
        config_black_list: String = "configBlackList;brokerConfigPath".to_string()
            => "configBlackList";
    }
    nested {
        /// The remoting server; listens on 10911 by default.
        server: NettyServerConfig = NettyServerConfig::with_listen_port(DEFAULT_BROKER_LISTEN_PORT);
        /// Outgoing connections (name servers, HA master).
        client: NettyClientConfig = NettyClientConfig::default();
    }
}

impl BrokerConfig {
    /// The remoting port (`listenPort`).
    pub fn listen_port(&self) -> i32 {
        self.server.listen_port
    }

    /// `brokerIP1:listenPort`, the address the broker registers for clients.
    pub fn broker_addr(&self) -> String {
        format!("{}:{}", self.broker_ip1, self.server.listen_port)
    }

    /// `HOST:PORT` of the Prometheus endpoint from `metricsPromExporterPort` and
    /// `metricsPromExporterHost` (blank: brokerIP1), or `None` when the port is 0 (off).
    pub fn metrics_listen_addr(&self) -> Option<String> {
        if self.metrics_prom_exporter_port <= 0 {
            return None;
        }
        let host = match self.metrics_prom_exporter_host.trim() {
            "" => self.broker_ip1.as_str(),
            host => host,
        };
        Some(format!("{host}:{}", self.metrics_prom_exporter_port))
    }

    /// Whether this broker is the master of its group (`brokerId` 0).
    pub fn is_master_id(&self) -> bool {
        self.broker_id == 0
    }

    /// The name server list, or an empty slice when none is configured.
    pub fn namesrv_addrs(&self) -> &[String] {
        self.namesrv_addr.as_deref().unwrap_or(&[])
    }

    /// Fills `namesrvAddr` from `$NAMESRV_ADDR` when the config has none (Java's default for
    /// the field). A value from the file always wins.
    ///
    /// # Errors
    /// [`ConfigError::InvalidValue`] if the variable is set but malformed.
    pub fn apply_namesrv_addr_env(&mut self) -> Result<(), ConfigError> {
        let value = std::env::var(NAMESRV_ADDR_ENV).ok();
        self.apply_namesrv_addr_fallback(value.as_deref())
    }

    /// [`BrokerConfig::apply_namesrv_addr_env`] with the variable's value passed in (tests, or
    /// a `-n` flag that should only fill a gap).
    ///
    /// # Errors
    /// [`ConfigError::InvalidValue`] if `value` is malformed.
    pub fn apply_namesrv_addr_fallback(&mut self, value: Option<&str>) -> Result<(), ConfigError> {
        if self.namesrv_addr.is_some() {
            return Ok(());
        }
        let Some(raw) = value else {
            return Ok(());
        };
        let raw = raw.trim();
        self.namesrv_addr = <AddrList as Codec<Option<Vec<String>>>>::parse(raw).map_err(|_| {
            ConfigError::InvalidValue {
                key: format!("{NAMESRV_ADDR_ENV} (environment)"),
                value: raw.to_string(),
                line: None,
                expected: ADDR_LIST_EXPECTED.to_string(),
            }
        })?;
        Ok(())
    }
}
