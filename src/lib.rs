//! rmq — an Apache RocketMQ 4.x-compatible name server, broker and admin toolbox.
//!
//! The library is the core; the `rmq` binary (`src/main.rs`, `src/cli/`) only parses flags,
//! calls into it and renders results.
//!
//! # Layering
//!
//! Lowest first: `common`, `config`, `protocol` → `net`, `store`, `filter`, `ha` → `client`,
//! `namesrv`, `broker` → `console` → `cli`. A module imports only the modules listed after its arrow
//! below; `tests/layering.rs` reads these lines and fails on any other `crate::` path.
//!
//! ```text
//! common   ->
//! config   -> common
//! protocol -> common
//! net      -> common, protocol
//! store    -> common, config
//! filter   -> common, protocol, store
//! ha       -> common, config, store
//! client   -> common, config, protocol, net, filter
//! namesrv  -> common, config, protocol, net
//! broker   -> common, config, protocol, net, store, filter, ha
//! console  -> common, config, protocol, net, client
//! ```
//!
//! `cli` (in the binary) may use every module. The store knows nothing of the network or of
//! tokio; `protocol` is a pure codec (no I/O).
//!
//! | module     | owns                                                                        |
//! |------------|-----------------------------------------------------------------------------|
//! | [`common`]   | what every layer shares: the message model and CommitLog record codec, system topic/group names, the clock, host facts, crash-safe file writes, the offset group wait |
//! | [`config`]   | Java `.properties` parsing into typed name server / broker / store configs with Java's defaults |
//! | [`protocol`] | the remoting wire format: frames, JSON/ROCKETMQ headers, codes, typed headers and JSON bodies. Pure: no I/O |
//! | [`net`]      | tokio transport on top of `protocol`: server with request dispatch, client with connection reuse and opaque correlation; the metrics both daemons count and the HTTP `/metrics` endpoint |
//! | [`store`]    | the on-disk store in the 4.9.x layout: CommitLog, ConsumeQueue, IndexFile, checkpoint, recovery, offline inspection |
//! | [`filter`]   | tag expressions and SQL92 selectors: parsing subscriptions, matching messages (used by the broker's pulls) |
//! | [`ha`]       | master/slave replication (the 4.x HA protocol over raw TCP): the master's listener and per-slave transfer, the slave's client, the acknowledged offsets SYNC_MASTER waits for |
//! | [`client`]   | the client side for tools: routes and cluster info from name servers, admin calls, producing and consuming |
//! | [`namesrv`]  | the name server daemon: route tables, broker registration and expiry, KV config, the namesrv request codes |
//! | [`console`]  | `rmq console`: the web UI (embedded HTML/CSS/JS) and its JSON API over [`client`] |
//! | [`broker`]   | the broker daemon: request processors by family, metadata, client tables, long polling, namesrv registration |

pub mod broker;
pub mod client;
pub mod common;
pub mod config;
pub mod console;
pub mod filter;
pub mod ha;
pub mod namesrv;
pub mod net;
pub mod protocol;
pub mod store;
