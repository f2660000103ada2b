//! N `rmq namesrv` + M `rmq broker` daemons of `DefaultCluster` in one temp dir.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;

use super::cli::{rmq, Output, Rmq};
use super::daemon::Daemon;

/// How long [`Cluster::wait_registered`] waits.
const REGISTER: Duration = Duration::from_secs(20);

/// Name servers and brokers of `DefaultCluster`, each broker registering with every name
/// server; all killed on drop, then their directory removed.
///
/// Layout: name server `i` in `<dir>/namesrv-<i>`, broker `NAME` in `<dir>/<NAME>` (config
/// `broker.properties`, store `store/`).
pub struct Cluster {
    pub namesrvs: Vec<Daemon>,
    pub brokers: Vec<Daemon>,
    broker_names: Vec<String>,
    // Dropped last (fields drop in declaration order), after the daemons were killed.
    pub dir: TempDir,
}

/// What [`Cluster::builder`] starts.
pub struct ClusterBuilder {
    tag: String,
    namesrvs: usize,
    brokers: Vec<String>,
    props: String,
    wait_registered: bool,
}

impl ClusterBuilder {
    /// `n` name servers (default 1).
    pub fn namesrvs(mut self, n: usize) -> ClusterBuilder {
        self.namesrvs = n;
        self
    }

    /// Brokers by name, started in this order (default `broker-a`).
    pub fn brokers(mut self, names: &[&str]) -> ClusterBuilder {
        self.brokers = names.iter().map(|n| n.to_string()).collect();
        self
    }

    /// Properties lines appended to every broker's config file.
    pub fn broker_props(mut self, props: &str) -> ClusterBuilder {
        self.props = props.to_string();
        self
    }

    /// [`ClusterBuilder::start`] returns once every broker shows in `rmq cluster list` of every
    /// name server.
    pub fn wait_registered(mut self) -> ClusterBuilder {
        self.wait_registered = true;
        self
    }

    pub fn start(self) -> Cluster {
        let dir = super::temp_dir(&self.tag);
        let namesrvs: Vec<Daemon> = (0..self.namesrvs)
            .map(|i| Daemon::namesrv(&dir.path().join(format!("namesrv-{i}"))))
            .collect();
        let ns = namesrvs
            .iter()
            .map(|d| d.addr.as_str())
            .collect::<Vec<_>>()
            .join(";");
        let brokers = self
            .brokers
            .iter()
            .map(|name| Daemon::broker_named(&dir.path().join(name), name, &ns, &self.props))
            .collect();
        let cluster = Cluster {
            namesrvs,
            brokers,
            broker_names: self.brokers,
            dir,
        };
        if self.wait_registered {
            cluster.wait_registered();
        }
        cluster
    }
}

impl Cluster {
    /// One name server and `broker-a`.
    pub fn start(tag: &str) -> Cluster {
        Cluster::builder(tag).start()
    }

    /// One name server and `broker-a` unless told otherwise; `tag` names the temp dir.
    pub fn builder(tag: &str) -> ClusterBuilder {
        ClusterBuilder {
            tag: tag.to_string(),
            namesrvs: 1,
            brokers: vec!["broker-a".into()],
            props: String::new(),
            wait_registered: false,
        }
    }

    /// The cluster's directory (room for the test's own files too).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The first name server.
    pub fn namesrv(&self) -> &Daemon {
        &self.namesrvs[0]
    }

    /// The first broker.
    pub fn broker(&self) -> &Daemon {
        &self.brokers[0]
    }

    pub fn broker_mut(&mut self) -> &mut Daemon {
        &mut self.brokers[0]
    }

    /// Every name server, as `-n` takes them (`a;b`).
    pub fn ns(&self) -> String {
        self.namesrvs
            .iter()
            .map(|d| d.addr.as_str())
            .collect::<Vec<_>>()
            .join(";")
    }

    /// `rmq ARGS -n <first name server>`, to configure further and run.
    pub fn cli(&self, args: &[&str]) -> Rmq {
        rmq(args).namesrv(&self.namesrv().addr)
    }

    /// Runs `rmq ARGS -n <first name server>`.
    pub fn rmq(&self, args: &[&str]) -> Output {
        self.cli(args).run()
    }

    /// Runs `rmq ARGS -n <first name server>`, which must succeed with one JSON document on
    /// stdout; the document.
    pub fn json(&self, args: &[&str]) -> Value {
        self.cli(args).json()
    }

    /// Waits (bounded) until every broker shows in `rmq cluster list` of every name server.
    pub fn wait_registered(&self) {
        for ns in &self.namesrvs {
            let list = rmq(&["cluster", "list", "--output", "json"]).namesrv(&ns.addr);
            super::wait_until(
                &format!("the brokers in 'rmq cluster list' of {}", ns.addr),
                REGISTER,
                || {
                    let out = list.run();
                    out.success()
                        && out.parse_json()["brokers"]
                            .as_array()
                            .is_some_and(|listed| {
                                self.broker_names.iter().all(|name| {
                                    listed.iter().any(|b| b["brokerName"] == name.as_str())
                                })
                            })
                },
            );
        }
    }
}
