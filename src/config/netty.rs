//! Transport settings that Java keeps in `NettyServerConfig` / `NettyClientConfig`.
//!
//! They are read from the same file as the name server or broker config (Java fills every config
//! object from one `Properties`), so [`NettyServerConfig`] is nested in
//! [`NamesrvConfig`](super::NamesrvConfig) and [`BrokerConfig`](super::BrokerConfig), and
//! [`NettyClientConfig`] in `BrokerConfig`. Thread-count keys are accepted for compatibility;
//! the tokio transport decides for itself which ones it honours.

use super::table::{config_table, port, positive};
use crate::common::host::available_processors;

config_table! {
    /// `org.apache.rocketmq.remoting.netty.NettyServerConfig`.
    pub struct NettyServerConfig {
        /// Port of the remoting server. Java's own default is 8888; the name server and the
        /// broker start from 9876 and 10911 instead (see their `Default` impls).
        listen_port: i32 = 8888 => "listenPort" check port;
        server_worker_threads: i32 = 8 => "serverWorkerThreads" check positive;
        server_callback_executor_threads: i32 = 0 => "serverCallbackExecutorThreads";
        server_selector_threads: i32 = 3 => "serverSelectorThreads" check positive;
        /// Concurrent oneway requests per server.
        server_oneway_semaphore_value: i32 = 256 => "serverOnewaySemaphoreValue" check positive;
        /// Concurrent async requests per server.
        server_async_semaphore_value: i32 = 64 => "serverAsyncSemaphoreValue" check positive;
        /// Idle connections are closed after this many seconds.
        server_channel_max_idle_time_seconds: i32 = 120 => "serverChannelMaxIdleTimeSeconds";
        /// 0 = the OS default (RocketMQ 4.5+).
        server_socket_snd_buf_size: i32 = 0 => "serverSocketSndBufSize";
        /// 0 = the OS default (RocketMQ 4.5+).
        server_socket_rcv_buf_size: i32 = 0 => "serverSocketRcvBufSize";
        server_socket_backlog: i32 = 1024 => "serverSocketBacklog";
        server_pooled_byte_buf_allocator_enable: bool = true => "serverPooledByteBufAllocatorEnable";
        use_epoll_native_selector: bool = false => "useEpollNativeSelector";
    }
}

impl NettyServerConfig {
    /// Java's defaults with a different listen port, as NamesrvStartup/BrokerStartup set it.
    pub fn with_listen_port(listen_port: i32) -> NettyServerConfig {
        NettyServerConfig {
            listen_port,
            ..NettyServerConfig::default()
        }
    }
}

config_table! {
    /// `org.apache.rocketmq.remoting.netty.NettyClientConfig` (the broker's connections to name
    /// servers and to its HA master).
    pub struct NettyClientConfig {
        client_worker_threads: i32 = 4 => "clientWorkerThreads" check positive;
        client_callback_executor_threads: i32 = available_processors()
            => "clientCallbackExecutorThreads";
        client_oneway_semaphore_value: i32 = 65535 => "clientOnewaySemaphoreValue" check positive;
        client_async_semaphore_value: i32 = 65535 => "clientAsyncSemaphoreValue" check positive;
        connect_timeout_millis: i32 = 3000 => "connectTimeoutMillis" check positive;
        channel_not_active_interval: i64 = 60_000 => "channelNotActiveInterval";
        /// Idle connections are closed after this many seconds.
        client_channel_max_idle_time_seconds: i32 = 120 => "clientChannelMaxIdleTimeSeconds";
        client_socket_snd_buf_size: i32 = 0 => "clientSocketSndBufSize";
        client_socket_rcv_buf_size: i32 = 0 => "clientSocketRcvBufSize";
        client_pooled_byte_buf_allocator_enable: bool = false
            => "clientPooledByteBufAllocatorEnable";
        /// Close the connection when a request on it times out.
        client_close_socket_if_timeout: bool = true => "clientCloseSocketIfTimeout";
        use_tls: bool = false => "useTLS";
    }
}
