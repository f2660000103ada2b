//! `MessageStoreConfig`: where and how the broker keeps messages on disk, plus the two enums
//! that decide replication and durability ([`BrokerRole`], [`FlushDiskType`]).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use super::table::{
    config_table, in_range, non_negative, port, positive, Codec, ConfigValue, DelayLevels,
    HomePath, Hours,
};
use crate::common::host::user_home;

/// Size of one consume-queue unit (physical offset 8 + size 4 + tag hash 8).
pub const CQ_STORE_UNIT_SIZE: i64 = 20;

/// The default `messageDelayLevel`: 18 levels from 1 s to 2 h.
pub const DEFAULT_MESSAGE_DELAY_LEVEL: &str =
    "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h";

/// Replication role of a broker (`brokerRole`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BrokerRole {
    /// A master that acknowledges sends before slaves have the data.
    #[default]
    AsyncMaster,
    /// A master that acknowledges sends only after a slave has the data.
    SyncMaster,
    /// A read-only replica of a master.
    Slave,
}

impl BrokerRole {
    /// The Java enum constant name.
    pub fn as_str(self) -> &'static str {
        match self {
            BrokerRole::AsyncMaster => "ASYNC_MASTER",
            BrokerRole::SyncMaster => "SYNC_MASTER",
            BrokerRole::Slave => "SLAVE",
        }
    }

    /// Whether this role accepts writes.
    pub fn is_master(self) -> bool {
        !matches!(self, BrokerRole::Slave)
    }
}

impl fmt::Display for BrokerRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BrokerRole {
    type Err = String;

    /// Java's enum names; unlike Java's `valueOf`, case does not matter.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            BrokerRole::AsyncMaster,
            BrokerRole::SyncMaster,
            BrokerRole::Slave,
        ]
        .into_iter()
        .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
        .ok_or_else(|| "one of ASYNC_MASTER, SYNC_MASTER, SLAVE".to_string())
    }
}

impl ConfigValue for BrokerRole {
    fn parse_value(raw: &str) -> Result<Self, String> {
        raw.parse()
    }
    fn render_value(&self) -> Option<String> {
        Some(self.as_str().to_string())
    }
}

/// When a write is acknowledged relative to fsync (`flushDiskType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FlushDiskType {
    /// Acknowledge once the message is in the page cache; a flusher syncs periodically.
    #[default]
    AsyncFlush,
    /// Acknowledge only after the message has been flushed to disk (group commit).
    SyncFlush,
}

impl FlushDiskType {
    /// The Java enum constant name.
    pub fn as_str(self) -> &'static str {
        match self {
            FlushDiskType::AsyncFlush => "ASYNC_FLUSH",
            FlushDiskType::SyncFlush => "SYNC_FLUSH",
        }
    }
}

impl fmt::Display for FlushDiskType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FlushDiskType {
    type Err = String;

    /// Java's enum names; unlike Java's `valueOf`, case does not matter.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [FlushDiskType::AsyncFlush, FlushDiskType::SyncFlush]
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| "one of ASYNC_FLUSH, SYNC_FLUSH".to_string())
    }
}

impl ConfigValue for FlushDiskType {
    fn parse_value(raw: &str) -> Result<Self, String> {
        raw.parse()
    }
    fn render_value(&self) -> Option<String> {
        Some(self.as_str().to_string())
    }
}

fn default_delay_levels() -> Vec<Duration> {
    // The constant is known to parse (a unit test checks its 18 levels); the fallback only
    // exists so that non-test code has no panicking path.
    <DelayLevels as Codec<Vec<Duration>>>::parse(DEFAULT_MESSAGE_DELAY_LEVEL).unwrap_or_default()
}

config_table! {
    /// `org.apache.rocketmq.store.config.MessageStoreConfig` (4.9.x keys and defaults).
    ///
    /// Path values accept `${user.home}`. Sizes and intervals keep Java's integer types so that
    /// out-of-range values are rejected the way Java would fail to parse them.
    pub struct MessageStoreConfig {
        /// Root of the store: `commitlog/`, `consumequeue/`, `index/`, `config/`, `checkpoint`…
        store_path_root_dir: PathBuf = user_home().join("store")
            => "storePathRootDir" via HomePath;
        /// CommitLog directory; `None` = `<storePathRootDir>/commitlog` (see
        /// [`MessageStoreConfig::commit_log_dir`]).
        store_path_commit_log: Option<PathBuf> = None => "storePathCommitLog" via HomePath;
        /// Index directory; `None` = `<storePathRootDir>/index`.
        store_path_index: Option<PathBuf> = None => "storePathIndex" via HomePath;
        /// Size of each CommitLog file (1 GiB). `mapedFileSizeCommitLog` is the ≤ 4.5.1
        /// spelling.
        mapped_file_size_commit_log: i32 = 1024 * 1024 * 1024
            => "mappedFileSizeCommitLog" | "mapedFileSizeCommitLog" check positive;
        /// Size of each ConsumeQueue file (300 000 units of 20 bytes); rounded up to whole units
        /// by [`MessageStoreConfig::consume_queue_file_size`].
        mapped_file_size_consume_queue: i32 = 300_000 * 20
            => "mappedFileSizeConsumeQueue" | "mapedFileSizeConsumeQueue" check positive;
        enable_consume_queue_ext: bool = false => "enableConsumeQueueExt";
        mapped_file_size_consume_queue_ext: i32 = 48 * 1024 * 1024
            => "mappedFileSizeConsumeQueueExt" check positive;
        bit_map_length_consume_queue_ext: i32 = 64 => "bitMapLengthConsumeQueueExt";
        /// CommitLog flush period (ms) under ASYNC_FLUSH.
        flush_interval_commit_log: i32 = 500 => "flushIntervalCommitLog" check positive;
        /// Commit period (ms) of the transient store pool.
        commit_interval_commit_log: i32 = 200 => "commitIntervalCommitLog" check positive;
        use_reentrant_lock_when_put_message: bool = false => "useReentrantLockWhenPutMessage";
        /// Flush on a fixed timer instead of being woken by writes.
        flush_commit_log_timed: bool = false => "flushCommitLogTimed";
        flush_interval_consume_queue: i32 = 1000 => "flushIntervalConsumeQueue" check positive;
        /// How often (ms) expired files are looked for.
        clean_resource_interval: i32 = 10_000 => "cleanResourceInterval" check positive;
        delete_commit_log_files_interval: i32 = 100 => "deleteCommitLogFilesInterval";
        delete_consume_queue_files_interval: i32 = 100 => "deleteConsumeQueueFilesInterval";
        destroy_maped_file_interval_forcibly: i32 = 120_000 => "destroyMapedFileIntervalForcibly";
        redelete_hanged_file_interval: i32 = 120_000 => "redeleteHangedFileInterval";
        /// Hours of the day (0-23) at which expired files are deleted; Java's `"04"`.
        delete_when: Vec<u8> = vec![4] => "deleteWhen" via Hours;
        /// Disk usage (%) above which files are deleted early. Java clamps the value it uses to
        /// 10..=95, see [`MessageStoreConfig::effective_disk_max_used_space_ratio`].
        disk_max_used_space_ratio: i32 = 75 => "diskMaxUsedSpaceRatio" check in_range(1, 100);
        /// Hours a CommitLog file is kept after its last write.
        file_reserved_time: i32 = 72 => "fileReservedTime" check non_negative;
        /// rmq only: how many CommitLog files retention deletes are kept (beside the CommitLog
        /// directory, in `<commitlog>-reuse`) to become new files, zeroed, instead of new files
        /// being created; 0 deletes them. Not kept when the disk is above
        /// `diskMaxUsedSpaceRatio`.
        commit_log_reuse_files: i32 = 1 => "commitLogReuseFiles" check non_negative;
        put_msg_index_hight_water: i32 = 600_000 => "putMsgIndexHightWater";
        /// Largest accepted message (body + properties), 4 MiB.
        max_message_size: i32 = 4 * 1024 * 1024 => "maxMessageSize" check positive;
        /// Verify record CRCs while recovering the CommitLog.
        check_crc_on_recover: bool = true => "checkCRCOnRecover";
        flush_commit_log_least_pages: i32 = 4 => "flushCommitLogLeastPages" check non_negative;
        commit_commit_log_least_pages: i32 = 4 => "commitCommitLogLeastPages" check non_negative;
        flush_least_pages_when_warm_maped_file: i32 = 1024 / 4 * 16
            => "flushLeastPagesWhenWarmMapedFile";
        flush_consume_queue_least_pages: i32 = 2
            => "flushConsumeQueueLeastPages" check non_negative;
        /// A full flush happens at least this often (ms) even below the page threshold.
        flush_commit_log_thorough_interval: i32 = 10_000 => "flushCommitLogThoroughInterval";
        commit_commit_log_thorough_interval: i32 = 200 => "commitCommitLogThoroughInterval";
        flush_consume_queue_thorough_interval: i32 = 60_000
            => "flushConsumeQueueThoroughInterval";
        /// Pull size limits when the data is in memory / on disk.
        max_transfer_bytes_on_message_in_memory: i32 = 256 * 1024
            => "maxTransferBytesOnMessageInMemory" check positive;
        max_transfer_count_on_message_in_memory: i32 = 32
            => "maxTransferCountOnMessageInMemory" check positive;
        max_transfer_bytes_on_message_in_disk: i32 = 64 * 1024
            => "maxTransferBytesOnMessageInDisk" check positive;
        max_transfer_count_on_message_in_disk: i32 = 8
            => "maxTransferCountOnMessageInDisk" check positive;
        /// Share of RAM (%) beyond which a pull is considered to read from disk.
        access_message_in_memory_max_ratio: i32 = 40
            => "accessMessageInMemoryMaxRatio" check in_range(0, 100);
        message_index_enable: bool = true => "messageIndexEnable";
        max_hash_slot_num: i32 = 5_000_000 => "maxHashSlotNum" check positive;
        max_index_num: i32 = 5_000_000 * 4 => "maxIndexNum" check positive;
        max_msgs_num_batch: i32 = 64 => "maxMsgsNumBatch" check positive;
        message_index_safe: bool = false => "messageIndexSafe";
        /// HA (replication) port. Set after loading to listenPort + 1 unless the file names it.
        ha_listen_port: i32 = 10912 => "haListenPort" check port;
        ha_send_heartbeat_interval: i32 = 5000 => "haSendHeartbeatInterval" check positive;
        ha_housekeeping_interval: i32 = 20_000 => "haHousekeepingInterval" check positive;
        ha_transfer_batch_size: i32 = 32 * 1024 => "haTransferBatchSize" check positive;
        /// Master HA address for a slave; normally learnt from the name server.
        ha_master_address: Option<String> = None => "haMasterAddress";
        /// How far (bytes) a slave may lag and still count as in sync.
        ha_slave_fallbehind_max: i32 = 256 * 1024 * 1024 => "haSlaveFallbehindMax";
        /// How long (ms) a SYNC_MASTER write waits for a slave before FLUSH_SLAVE_TIMEOUT
        /// (4.9.x; older brokers used syncFlushTimeout).
        slave_timeout: i32 = 3000 => "slaveTimeout" check positive;
        broker_role: BrokerRole = BrokerRole::AsyncMaster => "brokerRole";
        flush_disk_type: FlushDiskType = FlushDiskType::AsyncFlush => "flushDiskType";
        /// How long (ms) a SYNC_FLUSH write waits before FLUSH_DISK_TIMEOUT.
        sync_flush_timeout: i32 = 5000 => "syncFlushTimeout" check positive;
        /// Delay of each level (level N = entry N, 1-based).
        message_delay_level: Vec<Duration> = default_delay_levels()
            => "messageDelayLevel" via DelayLevels;
        /// How often (ms) delivery progress of delayed messages is persisted.
        flush_delay_offset_interval: i64 = 10_000 => "flushDelayOffsetInterval" check positive;
        clean_file_forcibly_enable: bool = true => "cleanFileForciblyEnable";
        /// Pre-touch new CommitLog files.
        warm_maped_file_enable: bool = false => "warmMapedFileEnable";
        offset_check_in_slave: bool = false => "offsetCheckInSlave";
        debug_lock_enable: bool = false => "debugLockEnable";
        duplication_enable: bool = false => "duplicationEnable";
        disk_fall_recorded: bool = true => "diskFallRecorded";
        /// A put holding the lock longer than this (ms) makes the broker report page-cache busy.
        os_page_cache_busy_time_out_mills: i64 = 1000
            => "osPageCacheBusyTimeOutMills" check positive;
        default_query_max_num: i32 = 32 => "defaultQueryMaxNum" check positive;
        /// Write through off-heap buffers and commit them in batches (ASYNC_FLUSH masters only).
        transient_store_pool_enable: bool = false => "transientStorePoolEnable";
        transient_store_pool_size: i32 = 5 => "transientStorePoolSize" check positive;
        fast_fail_if_no_buffer_in_store_pool: bool = false => "fastFailIfNoBufferInStorePool";
        enable_dleger_commit_log: bool = false => "enableDLegerCommitLog";
        dleger_group: Option<String> = None => "dLegerGroup";
        dleger_peers: Option<String> = None => "dLegerPeers";
        dleger_self_id: Option<String> = None => "dLegerSelfId";
        preferred_leader_id: Option<String> = None => "preferredLeaderId";
        enable_batch_push: bool = false => "enableBatchPush";
        enable_schedule_message_stats: bool = true => "enableScheduleMessageStats";
        enable_lmq: bool = false => "enableLmq";
        enable_multi_dispatch: bool = false => "enableMultiDispatch";
        max_lmq_consume_queue_num: i32 = 20_000 => "maxLmqConsumeQueueNum";
        enable_schedule_async_deliver: bool = false => "enableScheduleAsyncDeliver";
        schedule_async_deliver_max_pending_limit: i32 = 2000
            => "scheduleAsyncDeliverMaxPendingLimit";
        schedule_async_deliver_max_resend_num2_blocked: i32 = 3
            => "scheduleAsyncDeliverMaxResendNum2Blocked";
    }
}

impl MessageStoreConfig {
    /// The CommitLog directory: `storePathCommitLog`, or `<storePathRootDir>/commitlog`.
    pub fn commit_log_dir(&self) -> PathBuf {
        self.store_path_commit_log
            .clone()
            .unwrap_or_else(|| self.store_path_root_dir.join("commitlog"))
    }

    /// The index directory: `storePathIndex`, or `<storePathRootDir>/index`.
    pub fn index_dir(&self) -> PathBuf {
        self.store_path_index
            .clone()
            .unwrap_or_else(|| self.store_path_root_dir.join("index"))
    }

    /// `<storePathRootDir>/consumequeue` (not configurable in 4.x).
    pub fn consume_queue_dir(&self) -> PathBuf {
        self.store_path_root_dir.join("consumequeue")
    }

    /// ConsumeQueue file size rounded up to whole 20-byte units, as Java's getter does.
    pub fn consume_queue_file_size(&self) -> i64 {
        let size = i64::from(self.mapped_file_size_consume_queue);
        (size + CQ_STORE_UNIT_SIZE - 1) / CQ_STORE_UNIT_SIZE * CQ_STORE_UNIT_SIZE
    }

    /// `diskMaxUsedSpaceRatio` clamped to 10..=95, the range Java's getter enforces.
    pub fn effective_disk_max_used_space_ratio(&self) -> i32 {
        self.disk_max_used_space_ratio.clamp(10, 95)
    }

    /// How long a CommitLog file is kept (`fileReservedTime` hours).
    pub fn file_reserved_duration(&self) -> Duration {
        Duration::from_secs(u64::try_from(self.file_reserved_time).unwrap_or(0) * 3600)
    }

    /// The number of delay levels (= queues of `SCHEDULE_TOPIC_XXXX`).
    pub fn max_delay_level(&self) -> usize {
        self.message_delay_level.len()
    }

    /// The delay of a 1-based level; `None` outside `1..=max_delay_level()`.
    pub fn delay_of_level(&self, level: usize) -> Option<Duration> {
        level
            .checked_sub(1)
            .and_then(|i| self.message_delay_level.get(i))
            .copied()
    }

    /// Whether the transient store pool is really used: Java only enables it for ASYNC_FLUSH
    /// masters, whatever the flag says.
    pub fn is_transient_store_pool_active(&self) -> bool {
        self.transient_store_pool_enable
            && self.flush_disk_type == FlushDiskType::AsyncFlush
            && self.broker_role.is_master()
    }
}
