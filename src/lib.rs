//! rmq — an Apache RocketMQ 4.x-compatible name server, broker and admin toolbox.
//!
//! The library is the core; the `rmq` binary (`src/main.rs`, `src/cli/`) only parses flags,
//! calls into it and renders results. Dependencies flow one way:
//!
//! ```text
//! cli → client → protocol → net → {namesrv, broker} → {filter, store}
//! ```
//!
//! | module     | owns                                                                        |
//! |------------|-----------------------------------------------------------------------------|
//! | [`protocol`] | the remoting wire format: frames, JSON/ROCKETMQ headers, codes, typed headers and JSON bodies. Pure: no I/O |
//! | [`net`]      | tokio transport on top of `protocol`: server with request dispatch, client with connection reuse and opaque correlation |
//! | [`config`]   | Java `.properties` parsing into typed name server / broker / store configs with Java's defaults |
//! | [`filter`]   | subscription filtering: tag expressions matched by ConsumeQueue tag hash, SQL92 selectors compiled and evaluated as Java does |
//! | [`client`]   | the client side for tools: routes and cluster info from name servers, admin calls, sends and pulls against brokers |
//! | [`broker`]   | the broker daemon: send/pull/offset/admin processors, metadata, client tables, long polling, namesrv registration |
//! | [`namesrv`]  | the name server daemon: route tables, broker registration and expiry, KV config, the namesrv request codes |
//! | [`store`]    | the on-disk store in the 4.9.x layout: CommitLog, ConsumeQueue, IndexFile, checkpoint, recovery |

pub mod broker;
pub mod client;
pub mod config;
pub mod filter;
pub mod namesrv;
pub mod net;
pub mod protocol;
pub mod store;
