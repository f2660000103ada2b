//! `NamesrvConfig`: the name server's own settings plus its remoting server.

use std::path::PathBuf;

use super::broker::rocketmq_home_from_env;
use super::netty::NettyServerConfig;
use super::table::{config_table, HomePath};
use crate::common::host::user_home;

/// The name server's default port (NamesrvStartup overrides NettyServerConfig's 8888).
pub const DEFAULT_NAMESRV_LISTEN_PORT: i32 = 9876;

config_table! {
    /// `org.apache.rocketmq.common.namesrv.NamesrvConfig` (4.9.x keys and defaults).
    pub struct NamesrvConfig {
        /// `$ROCKETMQ_HOME`; Java requires it, rmq does not use it.
        rocketmq_home: Option<PathBuf> = rocketmq_home_from_env() => "rocketmqHome" via HomePath;
        /// Where the KV config (e.g. ORDER_TOPIC_CONFIG) is persisted as JSON.
        kv_config_path: PathBuf = user_home().join("namesrv").join("kvConfig.json")
            => "kvConfigPath" via HomePath;
        /// Where UPDATE_NAMESRV_CONFIG persists the effective config.
        config_store_path: PathBuf = user_home().join("namesrv").join("namesrv.properties")
            => "configStorePath" via HomePath;
        product_env_name: String = "center".to_string() => "productEnvName";
        cluster_test: bool = false => "clusterTest";
        /// Return the ORDER_TOPIC_CONFIG KV entry in route data.
        order_message_enable: bool = false => "orderMessageEnable";
        /// Keys UPDATE_NAMESRV_CONFIG may not change (`rocketmqHome` is always refused too).
        config_black_list: String = "configBlackList;configStorePath;kvConfigPath".to_string()
            => "configBlackList";
    }
    nested {
        /// The remoting server; listens on 9876 by default.
        server: NettyServerConfig =
            NettyServerConfig::with_listen_port(DEFAULT_NAMESRV_LISTEN_PORT);
    }
}

impl NamesrvConfig {
    /// The remoting port (`listenPort`).
    pub fn listen_port(&self) -> i32 {
        self.server.listen_port
    }
}
