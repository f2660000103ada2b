//! rmq — an Apache RocketMQ 4.x-compatible name server, broker and admin toolbox.
//!
//! The library is the core; the `rmq` binary (`src/main.rs`, `src/cli/`) only parses flags,
//! calls into it and renders results. Dependencies flow one way:
//!
//! ```text
//! cli → client → protocol → net → {namesrv, broker} → store
//! ```
//!
//! | module     | owns                                                                        |
//! |------------|-----------------------------------------------------------------------------|
//! | [`protocol`] | the remoting wire format: frames, JSON/ROCKETMQ headers, codes, typed headers and JSON bodies. Pure: no I/O |
//! | [`net`]      | tokio transport on top of `protocol`: server with request dispatch, client with connection reuse and opaque correlation |
//! | [`config`]   | Java `.properties` parsing into typed name server / broker / store configs with Java's defaults |
//! | [`store`]    | the on-disk store in the 4.9.x layout: CommitLog, ConsumeQueue, IndexFile, checkpoint, recovery |

pub mod config;
pub mod net;
pub mod protocol;
pub mod store;
