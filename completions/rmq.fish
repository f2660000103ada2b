# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_rmq_global_optspecs
    string join \n v/verbose h/help V/version
end

function __fish_rmq_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_rmq_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_rmq_using_subcommand
    set -l cmd (__fish_rmq_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c rmq -n "__fish_rmq_needs_command" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_needs_command" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_needs_command" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "dev" -d 'Run a name server and a broker in one process with local defaults (start here)'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "namesrv" -d 'Run the name server'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "broker" -d 'Run or administer brokers'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "cluster" -d 'List the brokers of the clusters'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "ha" -d 'Replication: master/slave pairs, offsets, how far behind, in sync'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "topic" -d 'Create, delete, list topics; show their route and per-queue status'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "group" -d 'Subscription groups: create, list, describe (progress, clients), delete'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "offset" -d 'Consumer offsets: reset to earliest, latest or a time, with dry run and rollback'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "message" -d 'Messages: send, consume, get by id/key/offset, decode ids'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "dlq" -d 'Dead-letter queues: list a group\'s %DLQ% topic, send its messages back once'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "failover" -d 'Fail a master/slave pair over to its slave: plan, execute, verify'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "store" -d 'Inspect a store offline: dump its files, verify it, per-queue stats'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "backlog" -d 'Forward a group\'s backlog to a topic with more queues (plan, migrate, verify, status)'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "console" -d 'Serve the web console (overview, topics, groups, messages, DLQ) and its JSON API'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "perf" -d 'Measure throughput and latency against a cluster'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "chaos" -d 'Fault injection on local rmq processes with a check that nothing acknowledged is lost'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "config" -d 'Check and show configuration files'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, elvish, powershell)'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "man" -d 'Print the man page, or write every command\'s page with --dir'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "updateTopic" -d 'mqadmin updateTopic, i.e. `rmq topic create` with mqadmin\'s flags: -b is the broker ADDRESS and -o is the order flag (true|false), so the output format is --output only'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "deleteTopic" -d 'mqadmin deleteTopic: `rmq topic delete` (asks for confirmation unless --yes)'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "topicList" -d 'mqadmin topicList: `rmq topic list` (-c without a name is mqadmin\'s cluster mode)'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "topicRoute" -d 'mqadmin topicRoute: `rmq topic route`'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "topicStatus" -d 'mqadmin topicStatus: `rmq topic status`'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "clusterList" -d 'mqadmin clusterList: same as `rmq cluster list` (mqadmin\'s -m/-i are not supported)'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "brokerStatus" -d 'mqadmin brokerStatus: `rmq broker status`, but -b is the broker ADDRESS as in mqadmin'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "getBrokerConfig" -d 'mqadmin getBrokerConfig: `rmq broker config get`, but -b is the broker ADDRESS'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "updateBrokerConfig" -d 'mqadmin updateBrokerConfig: `rmq broker config set`, but -b is the broker ADDRESS'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "wipeWritePerm" -d 'mqadmin wipeWritePerm: `rmq broker perm wipe` (asks for confirmation unless --yes)'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "addWritePerm" -d 'mqadmin addWritePerm: `rmq broker perm add`'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "updateSubGroup" -d 'mqadmin updateSubGroup: `rmq group create`'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "deleteSubGroup" -d 'mqadmin deleteSubGroup: `rmq group delete` (asks for confirmation unless --yes)'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "consumerProgress" -d 'mqadmin consumerProgress: `rmq group describe` (lag per queue, then the clients)'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "consumerConnection" -d 'mqadmin consumerConnection: `rmq group describe` (the connected clients)'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "resetOffsetByTime" -d 'mqadmin resetOffsetByTime: `rmq offset reset` (online, through the broker, or offline)'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "sendMessage" -d 'mqadmin sendMessage: `rmq message send`'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "consumeMessage" -d 'mqadmin consumeMessage: `rmq message consume`'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "printMsg" -d 'mqadmin printMsg: `rmq message consume` (every message of a topic)'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "queryMsgById" -d 'mqadmin queryMsgById: `rmq message get --id`'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "queryMsgByKey" -d 'mqadmin queryMsgByKey: `rmq message get --key`'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "queryMsgByOffset" -d 'mqadmin queryMsgByOffset: `rmq message get --offset`'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "decodeMessageId" -d 'mqadmin decodeMessageId: `rmq message decode-id`'
complete -c rmq -n "__fish_rmq_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand dev" -l store -d 'Store directory (default: $XDG_DATA_HOME/rmq/dev, else ~/.local/share/rmq/dev)' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand dev" -l namesrv-port -d 'Name server port (0 picks a free port)' -r
complete -c rmq -n "__fish_rmq_using_subcommand dev" -l broker-port -d 'Broker port (0 picks a free port)' -r
complete -c rmq -n "__fish_rmq_using_subcommand dev" -l cluster -d 'Cluster name the broker registers under' -r
complete -c rmq -n "__fish_rmq_using_subcommand dev" -l metrics-listen -d 'Serve Prometheus metrics of both (broker and name server) at http://HOST:PORT/metrics (port 0 picks a free port)' -r
complete -c rmq -n "__fish_rmq_using_subcommand dev" -l fresh -d 'Delete the store first and start empty'
complete -c rmq -n "__fish_rmq_using_subcommand dev" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand dev" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand dev" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand namesrv; and not __fish_seen_subcommand_from start help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand namesrv; and not __fish_seen_subcommand_from start help" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand namesrv; and not __fish_seen_subcommand_from start help" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand namesrv; and not __fish_seen_subcommand_from start help" -f -a "start" -d 'Start the name server and serve until SIGINT/SIGTERM. Prints "The Name Server boot success. serializeType=JSON, address HOST:PORT" on stdout once it accepts connections'
complete -c rmq -n "__fish_rmq_using_subcommand namesrv; and not __fish_seen_subcommand_from start help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand namesrv; and __fish_seen_subcommand_from start" -s c -l config -d 'A namesrv `.properties` file (Java\'s `mqnamesrv -c`); Java\'s defaults without it' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand namesrv; and __fish_seen_subcommand_from start" -s p -l listen-port -d 'Port to listen on, overriding the file (default 9876; 0 picks a free port)' -r
complete -c rmq -n "__fish_rmq_using_subcommand namesrv; and __fish_seen_subcommand_from start" -l kv-config -d 'Where the KV config is kept, overriding the file (default ~/namesrv/kvConfig.json)' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand namesrv; and __fish_seen_subcommand_from start" -l metrics-listen -d 'Serve Prometheus metrics at http://HOST:PORT/metrics (port 0 picks a free port)' -r
complete -c rmq -n "__fish_rmq_using_subcommand namesrv; and __fish_seen_subcommand_from start" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand namesrv; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand namesrv; and __fish_seen_subcommand_from start" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand namesrv; and __fish_seen_subcommand_from help" -f -a "start" -d 'Start the name server and serve until SIGINT/SIGTERM. Prints "The Name Server boot success. serializeType=JSON, address HOST:PORT" on stdout once it accepts connections'
complete -c rmq -n "__fish_rmq_using_subcommand namesrv; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and not __fish_seen_subcommand_from start status config perm promote demote help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and not __fish_seen_subcommand_from start status config perm promote demote help" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and not __fish_seen_subcommand_from start status config perm promote demote help" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and not __fish_seen_subcommand_from start status config perm promote demote help" -f -a "start" -d 'Start a broker (runs until SIGINT/SIGTERM, then shuts down cleanly)'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and not __fish_seen_subcommand_from start status config perm promote demote help" -f -a "status" -d 'Runtime information of running brokers (the GET_BROKER_RUNTIME_INFO key/value table)'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and not __fish_seen_subcommand_from start status config perm promote demote help" -f -a "config" -d 'Read or change the configuration of running brokers'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and not __fish_seen_subcommand_from start status config perm promote demote help" -f -a "perm" -d 'Remove or restore a broker\'s write permission on every name server'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and not __fish_seen_subcommand_from start status config perm promote demote help" -f -a "promote" -d 'Make a running rmq slave the master of its broker name, online: it stops replicating, drops a partial last record, takes brokerId 0 and the role, writes both to its properties file and re-registers with every name server (routes then send writes to it); delayed delivery and transaction check-back start'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and not __fish_seen_subcommand_from start status config perm promote demote help" -f -a "demote" -d 'Make a running rmq master a slave of another master, online (e.g. an old master brought back after a failover): it stops taking writes and replicating to its slaves, takes the slave id, replicates from --master, writes brokerId, brokerRole and haMasterAddress to its properties file and re-registers'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and not __fish_seen_subcommand_from start status config perm promote demote help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from start" -s c -l config -d 'The broker\'s `.properties` file (e.g. conf/2m-2s-sync/broker-a.properties)' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from start" -s n -l namesrv -d 'Name server address(es), `host:port;host:port` (overrides namesrvAddr in the file). Without it: namesrvAddr from the file, else $NAMESRV_ADDR' -r
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from start" -s p -l listen-port -d 'Listen port (overrides listenPort; 0 picks a free port)' -r
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from start" -l set -d 'Overrides a key of the file, e.g. `--set storePathRootDir=/data/broker-a-s` (repeatable): run a shared file (conf/2m-2s-sync/...) with this process\'s store path' -r
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from start" -l metrics-listen -d 'Serve Prometheus metrics at http://HOST:PORT/metrics (overrides metricsPromExporterPort/metricsPromExporterHost; port 0 picks a free port)' -r
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from start" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from start" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from status" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from status" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from status" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from status" -s c -l cluster -d 'Every broker (masters and slaves) of this cluster' -r
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from status" -s b -l broker -d 'The master of this broker name' -r
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from status" -l broker-addr -d 'The broker process at this address' -r
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from status" -s k -l key -d 'Only these keys (repeatable)' -r
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from config" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from config" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from config" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from config" -f -a "get" -d 'Print the configuration of running brokers (every key unless -k is given)'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from config" -f -a "set" -d 'Change one configuration key of running brokers (persisted by the broker)'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from config" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from perm" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from perm" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from perm" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from perm" -f -a "wipe" -d 'Remove the write permission of a broker\'s topics on every name server, e.g. before taking it out of service (producers stop sending to it; consumers keep reading)'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from perm" -f -a "add" -d 'Restore the write permission of a broker\'s topics on every name server'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from perm" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from promote" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from promote" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from promote" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from promote" -s b -l broker-addr -d 'Address of the rmq slave to promote (host:port)' -r
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from promote" -l role -d 'Role it takes. ASYNC_MASTER by default: a SYNC_MASTER without a slave answers every send SLAVE_NOT_AVAILABLE until one connects' -r -f -a "ASYNC_MASTER\t''
SYNC_MASTER\t''"
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from promote" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from promote" -l force -d 'Promote even though the old master is still registered and answers (two masters of one broker name: only when you know the old one takes no writes)'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from promote" -l dry-run -d 'Show what would happen; change nothing'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from promote" -s y -l yes -d 'Do not ask for confirmation'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from promote" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from promote" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from promote" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from demote" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from demote" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from demote" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from demote" -s b -l broker-addr -d 'Address of the rmq master to demote (host:port)' -r
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from demote" -l master -d 'HA address (brokerIP2:haListenPort) of the master it replicates from afterwards' -r
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from demote" -l broker-id -d 'Its brokerId as a slave (default: the smallest id ≥ 1 no registered member of its broker name uses)' -r
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from demote" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from demote" -l dry-run -d 'Show what would happen; change nothing'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from demote" -s y -l yes -d 'Do not ask for confirmation'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from demote" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from demote" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from demote" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from help" -f -a "start" -d 'Start a broker (runs until SIGINT/SIGTERM, then shuts down cleanly)'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from help" -f -a "status" -d 'Runtime information of running brokers (the GET_BROKER_RUNTIME_INFO key/value table)'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from help" -f -a "config" -d 'Read or change the configuration of running brokers'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from help" -f -a "perm" -d 'Remove or restore a broker\'s write permission on every name server'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from help" -f -a "promote" -d 'Make a running rmq slave the master of its broker name, online: it stops replicating, drops a partial last record, takes brokerId 0 and the role, writes both to its properties file and re-registers with every name server (routes then send writes to it); delayed delivery and transaction check-back start'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from help" -f -a "demote" -d 'Make a running rmq master a slave of another master, online (e.g. an old master brought back after a failover): it stops taking writes and replicating to its slaves, takes the slave id, replicates from --master, writes brokerId, brokerRole and haMasterAddress to its properties file and re-registers'
complete -c rmq -n "__fish_rmq_using_subcommand broker; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand cluster; and not __fish_seen_subcommand_from list help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand cluster; and not __fish_seen_subcommand_from list help" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand cluster; and not __fish_seen_subcommand_from list help" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand cluster; and not __fish_seen_subcommand_from list help" -f -a "list" -d 'List every broker of every cluster (or of one with -c): id, address, version, TPS, role'
complete -c rmq -n "__fish_rmq_using_subcommand cluster; and not __fish_seen_subcommand_from list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand cluster; and __fish_seen_subcommand_from list" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand cluster; and __fish_seen_subcommand_from list" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand cluster; and __fish_seen_subcommand_from list" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand cluster; and __fish_seen_subcommand_from list" -s c -l cluster -d 'Only this cluster' -r
complete -c rmq -n "__fish_rmq_using_subcommand cluster; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand cluster; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand cluster; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand cluster; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "list" -d 'List every broker of every cluster (or of one with -c): id, address, version, TPS, role'
complete -c rmq -n "__fish_rmq_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand ha; and not __fish_seen_subcommand_from status help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand ha; and not __fish_seen_subcommand_from status help" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand ha; and not __fish_seen_subcommand_from status help" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand ha; and not __fish_seen_subcommand_from status help" -f -a "status" -d 'One row per master/slave pair: offsets, how far the slave is behind, whether in sync'
complete -c rmq -n "__fish_rmq_using_subcommand ha; and not __fish_seen_subcommand_from status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand ha; and __fish_seen_subcommand_from status" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand ha; and __fish_seen_subcommand_from status" -s c -l cluster -d 'Only the brokers of this cluster' -r
complete -c rmq -n "__fish_rmq_using_subcommand ha; and __fish_seen_subcommand_from status" -s b -l broker-name -d 'Only this broker name (its master and slaves)' -r
complete -c rmq -n "__fish_rmq_using_subcommand ha; and __fish_seen_subcommand_from status" -l timeout -d 'How long --wait-in-sync waits; each request is bounded by it too (at most 3s each)' -r
complete -c rmq -n "__fish_rmq_using_subcommand ha; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand ha; and __fish_seen_subcommand_from status" -l wait-in-sync -d 'Poll until every selected pair is in sync (exit 1 after --timeout)'
complete -c rmq -n "__fish_rmq_using_subcommand ha; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand ha; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand ha; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand ha; and __fish_seen_subcommand_from help" -f -a "status" -d 'One row per master/slave pair: offsets, how far the slave is behind, whether in sync'
complete -c rmq -n "__fish_rmq_using_subcommand ha; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and not __fish_seen_subcommand_from create delete list route status help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and not __fish_seen_subcommand_from create delete list route status help" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and not __fish_seen_subcommand_from create delete list route status help" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and not __fish_seen_subcommand_from create delete list route status help" -f -a "create" -d 'Create a topic, or update it where it exists, on every master of a cluster (-c), on one broker\'s master (-b) or on one broker address (--broker-addr)'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and not __fish_seen_subcommand_from create delete list route status help" -f -a "delete" -d 'Delete a topic from every master of a cluster and its route from every name server'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and not __fish_seen_subcommand_from create delete list route status help" -f -a "list" -d 'List topics; with --cluster, the cluster and consumer groups of each topic'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and not __fish_seen_subcommand_from create delete list route status help" -f -a "route" -d 'Show a topic\'s route: its brokers, their addresses, queue counts and permission'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and not __fish_seen_subcommand_from create delete list route status help" -f -a "status" -d 'Per-queue offsets of a topic: min and max offset and the store time of the last message, from each master in the topic\'s route'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and not __fish_seen_subcommand_from create delete list route status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from create" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from create" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from create" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from create" -s t -l topic -d 'Topic name (letters, digits, `%|_-`, at most 127 characters)' -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from create" -s c -l cluster -d 'On every master broker of this cluster' -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from create" -s b -l broker -d 'On the master of this broker name' -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from create" -l broker-addr -d 'On the broker at this address (host:port)' -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from create" -s r -l read-queues -d 'Read queues [new topic: the write queue count; existing: unchanged]' -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from create" -s w -l write-queues -d 'Write queues [new topic: 8; existing: unchanged]' -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from create" -s p -l perm -d 'Permission: 6 or RW (read+write), 4 or R (read only), 2 or W (write only) [new topic: 6; existing: unchanged]' -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from create" -l order -d 'Ordered topic; `--order false` turns it off [new topic: false; existing: unchanged]' -r -f -a "true\t''
false\t''"
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from create" -l if-not-exists -d 'Leave the topic untouched on brokers where it already exists'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from create" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from delete" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from delete" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from delete" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from delete" -s t -l topic -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from delete" -s c -l cluster -d 'The cluster whose masters hold the topic' -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from delete" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Do not ask for confirmation'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from list" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from list" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from list" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from list" -s c -l cluster -d 'Detailed listing (cluster, topic, consumer groups); a NAME limits it to that cluster' -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from route" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from route" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from route" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from route" -s t -l topic -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from route" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from route" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from route" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from route" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from status" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from status" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from status" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from status" -s t -l topic -r
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a topic, or update it where it exists, on every master of a cluster (-c), on one broker\'s master (-b) or on one broker address (--broker-addr)'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete a topic from every master of a cluster and its route from every name server'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "list" -d 'List topics; with --cluster, the cluster and consumer groups of each topic'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "route" -d 'Show a topic\'s route: its brokers, their addresses, queue counts and permission'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "status" -d 'Per-queue offsets of a topic: min and max offset and the store time of the last message, from each master in the topic\'s route'
complete -c rmq -n "__fish_rmq_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand group; and not __fish_seen_subcommand_from create list describe delete help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand group; and not __fish_seen_subcommand_from create list describe delete help" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand group; and not __fish_seen_subcommand_from create list describe delete help" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand group; and not __fish_seen_subcommand_from create list describe delete help" -f -a "create" -d 'Create a subscription group, or update it where it exists (options not given keep their current value), on every master of a cluster or on one broker'
complete -c rmq -n "__fish_rmq_using_subcommand group; and not __fish_seen_subcommand_from create list describe delete help" -f -a "list" -d 'List the subscription groups of each master broker'
complete -c rmq -n "__fish_rmq_using_subcommand group; and not __fish_seen_subcommand_from create list describe delete help" -f -a "describe" -d 'A group\'s progress per queue (broker offset, consumer offset, lag, last consume time), totals, and its online clients with their subscriptions'
complete -c rmq -n "__fish_rmq_using_subcommand group; and not __fish_seen_subcommand_from create list describe delete help" -f -a "delete" -d 'Delete a subscription group (and its %RETRY% and %DLQ% topics, as mqadmin does)'
complete -c rmq -n "__fish_rmq_using_subcommand group; and not __fish_seen_subcommand_from create list describe delete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from create" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from create" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from create" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from create" -s c -l cluster -d 'Every master broker of this cluster' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from create" -s b -l broker-addr -l broker -d 'One broker: its name (master) or its address host:port' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from create" -s g -l group -d 'Group name' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from create" -l consume-enable -d 'Whether the group may consume (default true)' -r -f -a "true\t''
false\t''"
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from create" -l broadcast -d 'Whether broadcasting consumers may use the group (default true)' -r -f -a "true\t''
false\t''"
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from create" -l consume-from-min -d 'Whether a new group starts from the first offset (default true)' -r -f -a "true\t''
false\t''"
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from create" -l retry-queues -d 'Queues of the group\'s %RETRY% topic (default 1)' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from create" -l max-retries -d 'Redeliveries before a message goes to the %DLQ% topic (default 16)' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from create" -l broker-id -d 'Broker id consumers read from (default 0, the master)' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from create" -l which-broker-when-slow -d 'Broker id consumers switch to when they fall behind (default 1)' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from create" -l notify-ids-changed -d 'Whether consumers are told when the group\'s members change (default true)' -r -f -a "true\t''
false\t''"
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from create" -s o -l output -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from create" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from list" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from list" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from list" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from list" -s c -l cluster -d 'Every master broker of this cluster' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from list" -s b -l broker-addr -l broker -d 'One broker: its name (master) or its address host:port' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from list" -s o -l output -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from list" -l system -d 'Include system groups (TOOLS_CONSUMER, CID_RMQ_SYS_*, ...)'
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from describe" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from describe" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from describe" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from describe" -s c -l cluster -d 'Every master broker of this cluster' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from describe" -s b -l broker-addr -l broker -d 'One broker: its name (master) or its address host:port' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from describe" -s g -l group -d 'Group name' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from describe" -s t -l topic -d 'Only this topic' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from describe" -s o -l output -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from describe" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from describe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from describe" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from delete" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from delete" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from delete" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from delete" -s c -l cluster -d 'Every master broker of this cluster' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from delete" -s b -l broker-addr -l broker -d 'One broker: its name (master) or its address host:port' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from delete" -s g -l group -d 'Group name' -r
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from delete" -s o -l output -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from delete" -l keep-topics -d 'Keep the group\'s %RETRY% and %DLQ% topics'
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Do not ask for confirmation'
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a subscription group, or update it where it exists (options not given keep their current value), on every master of a cluster or on one broker'
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the subscription groups of each master broker'
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "describe" -d 'A group\'s progress per queue (broker offset, consumer offset, lag, last consume time), totals, and its online clients with their subscriptions'
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete a subscription group (and its %RETRY% and %DLQ% topics, as mqadmin does)'
complete -c rmq -n "__fish_rmq_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand offset; and not __fish_seen_subcommand_from reset help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand offset; and not __fish_seen_subcommand_from reset help" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand offset; and not __fish_seen_subcommand_from reset help" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand offset; and not __fish_seen_subcommand_from reset help" -f -a "reset" -d 'Move a group\'s committed offsets on a topic (earliest, latest or a time); restore a previous reset with --from-file'
complete -c rmq -n "__fish_rmq_using_subcommand offset; and not __fish_seen_subcommand_from reset help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand offset; and __fish_seen_subcommand_from reset" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand offset; and __fish_seen_subcommand_from reset" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand offset; and __fish_seen_subcommand_from reset" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand offset; and __fish_seen_subcommand_from reset" -s g -l group -d 'Consumer group' -r
complete -c rmq -n "__fish_rmq_using_subcommand offset; and __fish_seen_subcommand_from reset" -s t -l topic -d 'Topic' -r
complete -c rmq -n "__fish_rmq_using_subcommand offset; and __fish_seen_subcommand_from reset" -l to -d 'Where to move the offsets (see below)' -r
complete -c rmq -n "__fish_rmq_using_subcommand offset; and __fish_seen_subcommand_from reset" -l from-file -d 'Restore the offsets saved in a rollback file' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand offset; and __fish_seen_subcommand_from reset" -l rollback-file -d 'Where to write the previous offsets (default: ./rmq-offset-rollback-GROUP-TOPIC-TIME.json)' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand offset; and __fish_seen_subcommand_from reset" -l force -d 'mqadmin\'s -f: with false, a queue only moves when the target is before its committed offset' -r -f -a "true\t''
false\t''"
complete -c rmq -n "__fish_rmq_using_subcommand offset; and __fish_seen_subcommand_from reset" -s o -l output -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand offset; and __fish_seen_subcommand_from reset" -l dry-run -d 'Show per queue `current → target` and what would be replayed or skipped; change nothing'
complete -c rmq -n "__fish_rmq_using_subcommand offset; and __fish_seen_subcommand_from reset" -s y -l yes -d 'Do not ask for confirmation'
complete -c rmq -n "__fish_rmq_using_subcommand offset; and __fish_seen_subcommand_from reset" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand offset; and __fish_seen_subcommand_from reset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand offset; and __fish_seen_subcommand_from reset" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand offset; and __fish_seen_subcommand_from help" -f -a "reset" -d 'Move a group\'s committed offsets on a topic (earliest, latest or a time); restore a previous reset with --from-file'
complete -c rmq -n "__fish_rmq_using_subcommand offset; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand message; and not __fish_seen_subcommand_from send consume get decode-id help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand message; and not __fish_seen_subcommand_from send consume get decode-id help" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand message; and not __fish_seen_subcommand_from send consume get decode-id help" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand message; and not __fish_seen_subcommand_from send consume get decode-id help" -f -a "send" -d 'Send messages (sync, async or oneway); prints msgId, offsetMsgId, broker, queue, offset and status of each'
complete -c rmq -n "__fish_rmq_using_subcommand message; and not __fish_seen_subcommand_from send consume get decode-id help" -f -a "consume" -d 'Read messages of a topic by pulling (no consumer registers); offsets are committed only with --commit'
complete -c rmq -n "__fish_rmq_using_subcommand message; and not __fish_seen_subcommand_from send consume get decode-id help" -f -a "get" -d 'Look messages up by message id, by key, or by queue offset'
complete -c rmq -n "__fish_rmq_using_subcommand message; and not __fish_seen_subcommand_from send consume get decode-id help" -f -a "decode-id" -d 'Explain message ids: store host and CommitLog offset of an offset id; IP, pid and time of a client id (UNIQ_KEY)'
complete -c rmq -n "__fish_rmq_using_subcommand message; and not __fish_seen_subcommand_from send consume get decode-id help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from send" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from send" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from send" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from send" -s t -l topic -d 'Topic' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from send" -s p -d 'mqadmin\'s -p BODY' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from send" -l tags -d 'Tag of the messages' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from send" -s k -l keys -d 'Keys (index entries for `get --key`); repeat or separate with spaces' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from send" -l property -d 'A user property; repeatable' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from send" -l delay-level -d 'Delay level (1 = 1s, 2 = 5s, 3 = 10s, ... with the default messageDelayLevel)' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from send" -l queue -d 'Send to this queue id (with -b when the topic is on several brokers)' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from send" -l sharding-key -d 'Ordered send: every message with this key goes to the same queue' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from send" -s b -l broker -d 'Only this broker (name)' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from send" -l count -d 'How many messages to send (all with the same body)' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from send" -l mode -r -f -a "sync\t'Wait for each send\'s answer before the next'
async\t'Many sends in flight; every answer is still reported'
oneway\t'Fire and forget: no answer, so no offset id, queue offset or status'"
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from send" -l producer-group -d 'Producer group named in the requests' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from send" -s o -l output -r -f -a "table\t'For people: a table, or one line per message for `consume`'
json\t'One JSON document: an array of objects'
ndjson\t'One JSON object per line'"
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from send" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from send" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from send" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from consume" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from consume" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from consume" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from consume" -s t -l topic -d 'Topic' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from consume" -s g -l group -d 'Consumer group whose offsets are the default start (and are committed with --commit)' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from consume" -s b -l broker -d 'Only this broker (name)' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from consume" -l queue -d 'Only this queue id' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from consume" -l from -d 'Where to start (see below)' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from consume" -l until -d 'Stop at messages stored after this time' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from consume" -l tag -d 'Tag expression: `*`, `TagA`, `TagA || TagB`' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from consume" -l count -d 'Stop after this many messages' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from consume" -l body -d 'How to show bodies (zlib-compressed bodies are shown decompressed)' -r -f -a "utf8\t'Text; invalid UTF-8 is replaced by U+FFFD'
hex\t''
base64\t''
none\t'Leave the body out'"
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from consume" -s o -l output -r -f -a "table\t'For people: a table, or one line per message for `consume`'
json\t'One JSON document: an array of objects'
ndjson\t'One JSON object per line'"
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from consume" -s f -l follow -d 'Keep waiting for new messages (long polling) until Ctrl-C or --count'
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from consume" -l commit -d 'Commit the group\'s offsets past the messages read'
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from consume" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from consume" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from consume" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from get" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from get" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from get" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from get" -l id -d 'Message id: an offset id, or a client id (UNIQ_KEY; needs -t)' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from get" -s k -l key -d 'Message key (needs -t)' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from get" -l offset -d 'Queue offset (needs -t and --queue; -b when the topic is on several brokers)' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from get" -s t -l topic -d 'Topic' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from get" -s b -l broker -d 'Broker name (with --offset)' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from get" -l queue -d 'Queue id (with --offset)' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from get" -l max -d 'Key lookups: most messages per broker' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from get" -l begin -d 'Key lookups: stored at or after this time' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from get" -l end -d 'Key lookups: stored at or before this time' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from get" -l body -d 'How to show bodies' -r -f -a "utf8\t'Text; invalid UTF-8 is replaced by U+FFFD'
hex\t''
base64\t''
none\t'Leave the body out'"
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from get" -s o -l output -r -f -a "table\t'For people: a table, or one line per message for `consume`'
json\t'One JSON document: an array of objects'
ndjson\t'One JSON object per line'"
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from get" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from get" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from decode-id" -s i -d 'mqadmin\'s -i ID' -r
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from decode-id" -s o -l output -r -f -a "table\t'For people: a table, or one line per message for `consume`'
json\t'One JSON document: an array of objects'
ndjson\t'One JSON object per line'"
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from decode-id" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from decode-id" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from decode-id" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from help" -f -a "send" -d 'Send messages (sync, async or oneway); prints msgId, offsetMsgId, broker, queue, offset and status of each'
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from help" -f -a "consume" -d 'Read messages of a topic by pulling (no consumer registers); offsets are committed only with --commit'
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from help" -f -a "get" -d 'Look messages up by message id, by key, or by queue offset'
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from help" -f -a "decode-id" -d 'Explain message ids: store host and CommitLog offset of an offset id; IP, pid and time of a client id (UNIQ_KEY)'
complete -c rmq -n "__fish_rmq_using_subcommand message; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and not __fish_seen_subcommand_from list resend help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and not __fish_seen_subcommand_from list resend help" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and not __fish_seen_subcommand_from list resend help" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and not __fish_seen_subcommand_from list resend help" -f -a "list" -d 'List the messages in a group\'s dead-letter topic (%DLQ%GROUP), on every broker'
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and not __fish_seen_subcommand_from list resend help" -f -a "resend" -d 'Send DLQ messages back (to their origin topic by default), each once'
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and not __fish_seen_subcommand_from list resend help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from list" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from list" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from list" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from list" -s g -l group -d 'Consumer group whose DLQ to read' -r
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from list" -l limit -d 'At most this many messages' -r
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from list" -s o -l output -d 'json: {"group", "topic", "exists", "messages": [{"msgId", "uniqKey", "originTopic", "originMessageId", "reconsumeTimes", "storeTimestamp", "bornTimestamp", "brokerName", "queueId", "queueOffset", "keys", "tags", "bodySize", "compressed", "properties"}], "warnings"}' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from resend" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from resend" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from resend" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from resend" -s g -l group -d 'Consumer group whose DLQ to resend from' -r
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from resend" -l id -d 'A DLQ message: its offset id (msgId of `dlq list`) or client id (uniqKey); repeatable' -r
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from resend" -l to-topic -d 'Send to this topic instead of each message\'s origin (e.g. the group\'s %RETRY%GROUP)' -r
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from resend" -l record -d 'The record of sent messages (JSON lines; read to skip what was sent, appended to)' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from resend" -s o -l output -d 'json: {"group", "topic", "recordFile", "dryRun", "sent": [record lines], "planned": [{"dlqMsgId", "topic", ...}] (dry run), "skipped": [dlqMsgId], "failed": [{"dlqMsgId", "error"}]}' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from resend" -l all -d 'Every message of the DLQ'
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from resend" -l dry-run -d 'Only list what would be sent'
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from resend" -l yes -d 'Do not ask for confirmation'
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from resend" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from resend" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from resend" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the messages in a group\'s dead-letter topic (%DLQ%GROUP), on every broker'
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from help" -f -a "resend" -d 'Send DLQ messages back (to their origin topic by default), each once'
complete -c rmq -n "__fish_rmq_using_subcommand dlq; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and not __fish_seen_subcommand_from plan execute verify help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and not __fish_seen_subcommand_from plan execute verify help" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and not __fish_seen_subcommand_from plan execute verify help" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and not __fish_seen_subcommand_from plan execute verify help" -f -a "plan" -d 'What a failover of a broker name would find and do: master reachable or not, each slave\'s CommitLog end and bytes behind, consumer groups connected, the steps'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and not __fish_seen_subcommand_from plan execute verify help" -f -a "execute" -d 'Fail a broker name over to its best slave: wipe the write permission on every name server, (with a live master: wait until the slave is in sync and demote the master to its slave), promote the slave, verify that the routes send writes to it and it stores one. Each step is printed with its timing; a failed step stops with what to do next'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and not __fish_seen_subcommand_from plan execute verify help" -f -a "verify" -d 'Wait until the name servers route a broker name\'s writes to ADDR and a probe message sent through that route (to SELF_TEST_TOPIC) is stored. Exit 1 on timeout'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and not __fish_seen_subcommand_from plan execute verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from plan" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from plan" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from plan" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from plan" -s b -l broker-name -d 'The broker name (e.g. broker-a)' -r
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from plan" -l lag-threshold -d 'A slave more bytes behind a live master than this makes the pair slave-lagging' -r
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from plan" -l get -d 'Print only these fields (comma-separated) as plain text on one line, space-separated, `-` for a field without a value — for scripts: `read a b <<<"$(rmq failover plan ... --get masterAddr,candidateAddr)"`. Fields: masterAddr, masterReachable, masterHaAddr, masterMaxOffset, promotedAtOffset (where the master was promoted, if rmq promoted it), candidateAddr, candidateHaAddr, candidateMaxOffset, state, cluster' -r
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from plan" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from plan" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from plan" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from execute" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from execute" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from execute" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from execute" -s b -l broker-name -d 'The broker name (e.g. broker-a)' -r
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from execute" -l role -d 'Role of the promoted slave. ASYNC_MASTER by default: a SYNC_MASTER without a slave answers every send SLAVE_NOT_AVAILABLE until one connects' -r -f -a "ASYNC_MASTER\t''
SYNC_MASTER\t''"
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from execute" -l wait -d 'Longest wait for the slave to catch up with a live master, and for the new route' -r
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from execute" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from execute" -s y -l yes -d 'Do not ask for confirmation'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from execute" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from execute" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from execute" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from verify" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from verify" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from verify" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from verify" -s b -l broker-name -d 'The broker name' -r
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from verify" -l new-master -d 'The address that must now be the master (host:port)' -r
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from verify" -l wait -d 'Longest wait' -r
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from verify" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from help" -f -a "plan" -d 'What a failover of a broker name would find and do: master reachable or not, each slave\'s CommitLog end and bytes behind, consumer groups connected, the steps'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from help" -f -a "execute" -d 'Fail a broker name over to its best slave: wipe the write permission on every name server, (with a live master: wait until the slave is in sync and demote the master to its slave), promote the slave, verify that the routes send writes to it and it stores one. Each step is printed with its timing; a failed step stops with what to do next'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Wait until the name servers route a broker name\'s writes to ADDR and a probe message sent through that route (to SELF_TEST_TOPIC) is stored. Exit 1 on timeout'
complete -c rmq -n "__fish_rmq_using_subcommand failover; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand store; and not __fish_seen_subcommand_from dump verify stats truncate help" -l store -d 'Store root (storePathRootDir); relative dump paths are taken from it. Default: the root of -c, else $HOME/store (relative dump paths: the current directory)' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand store; and not __fish_seen_subcommand_from dump verify stats truncate help" -s c -l config -d 'Broker .properties file: store paths and file sizes (mappedFileSizeCommitLog, mappedFileSizeConsumeQueue, maxHashSlotNum, maxIndexNum). Without it sizes are taken from the files' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand store; and not __fish_seen_subcommand_from dump verify stats truncate help" -s o -l output -r -f -a "table\t'Tables for people (record dumps: one fixed-width line per record)'
json\t'One JSON document: an array of records, or an object for summaries'
ndjson\t'One JSON object per line (summaries: the document on one line)'"
complete -c rmq -n "__fish_rmq_using_subcommand store; and not __fish_seen_subcommand_from dump verify stats truncate help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand store; and not __fish_seen_subcommand_from dump verify stats truncate help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand store; and not __fish_seen_subcommand_from dump verify stats truncate help" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand store; and not __fish_seen_subcommand_from dump verify stats truncate help" -f -a "dump" -d 'Print the contents of store files: `dump <kind> [PATH]`, or `dump PATH` with the kind told from the path (e.g. `dump commitlog/00000000000000000000`)'
complete -c rmq -n "__fish_rmq_using_subcommand store; and not __fish_seen_subcommand_from dump verify stats truncate help" -f -a "verify" -d 'Check every record\'s CRC, every ConsumeQueue entry against its CommitLog record, the index files, file sizes and truncation points. Exit 1 naming the first problem'
complete -c rmq -n "__fish_rmq_using_subcommand store; and not __fish_seen_subcommand_from dump verify stats truncate help" -f -a "stats" -d 'Message counts, bytes, offsets and store times per topic and queue (from the CommitLog)'
complete -c rmq -n "__fish_rmq_using_subcommand store; and not __fish_seen_subcommand_from dump verify stats truncate help" -f -a "truncate" -d 'Cut the CommitLog at a record boundary (broker stopped): later CommitLog data, ConsumeQueue and index entries go, consumer and delay offsets past the new queue ends are clamped. For an old master that wrote further than its slave and must rejoin as a slave. What is removed is listed first in the --removed file'
complete -c rmq -n "__fish_rmq_using_subcommand store; and not __fish_seen_subcommand_from dump verify stats truncate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -l body -d 'Message bodies (commitlog, index --key): zlib bodies are shown decompressed. Tables cut them to the terminal; JSON keeps them whole' -r -f -a "none\t''
utf8\t''
hex\t''
base64\t''"
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -l from-offset -d 'First CommitLog offset (commitlog) or queue offset (consumequeue) to show' -r
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -l to-offset -d 'Show only offsets below this one' -r
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -l topic -d 'Only this topic (commitlog); the queue\'s topic (consumequeue); the key\'s topic (index)' -r
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -l queue -d 'Only this queue id (commitlog); the queue to dump (consumequeue)' -r
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -l limit -d 'Stop after this many rows' -r
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -l key -d 'Index lookup of a message key or UNIQ_KEY (with --topic)' -r
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -l max-hash-slot-num -d 'Index geometry when neither -c nor the file size tells it' -r
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -l max-index-num -r
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -l store -d 'Store root (storePathRootDir); relative dump paths are taken from it. Default: the root of -c, else $HOME/store (relative dump paths: the current directory)' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -s c -l config -d 'Broker .properties file: store paths and file sizes (mappedFileSizeCommitLog, mappedFileSizeConsumeQueue, maxHashSlotNum, maxIndexNum). Without it sizes are taken from the files' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -s o -l output -r -f -a "table\t'Tables for people (record dumps: one fixed-width line per record)'
json\t'One JSON document: an array of records, or an object for summaries'
ndjson\t'One JSON object per line (summaries: the document on one line)'"
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -a "commitlog" -d 'CommitLog records: one file, or the commitlog directory (default: the store\'s)'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -a "consumequeue" -d 'ConsumeQueue entries: a file, a queue or topic directory, or --topic [--queue]'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -a "index" -d 'An index file\'s header, used slots and entries; a directory\'s headers; --key lookups'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -a "checkpoint" -d 'The checkpoint file (default: the store\'s)'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -a "config" -d 'A config JSON file: topics.json, consumerOffset.json, subscriptionGroup.json, delayOffset.json (fastjson\'s bare keys accepted), as standard JSON or a table'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from dump" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from verify" -l max-problems -d 'Problems listed in the table (JSON lists up to 1000)' -r
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from verify" -l store -d 'Store root (storePathRootDir); relative dump paths are taken from it. Default: the root of -c, else $HOME/store (relative dump paths: the current directory)' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from verify" -s c -l config -d 'Broker .properties file: store paths and file sizes (mappedFileSizeCommitLog, mappedFileSizeConsumeQueue, maxHashSlotNum, maxIndexNum). Without it sizes are taken from the files' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from verify" -s o -l output -r -f -a "table\t'Tables for people (record dumps: one fixed-width line per record)'
json\t'One JSON document: an array of records, or an object for summaries'
ndjson\t'One JSON object per line (summaries: the document on one line)'"
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from stats" -l store -d 'Store root (storePathRootDir); relative dump paths are taken from it. Default: the root of -c, else $HOME/store (relative dump paths: the current directory)' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from stats" -s c -l config -d 'Broker .properties file: store paths and file sizes (mappedFileSizeCommitLog, mappedFileSizeConsumeQueue, maxHashSlotNum, maxIndexNum). Without it sizes are taken from the files' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from stats" -s o -l output -r -f -a "table\t'Tables for people (record dumps: one fixed-width line per record)'
json\t'One JSON document: an array of records, or an object for summaries'
ndjson\t'One JSON object per line (summaries: the document on one line)'"
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from stats" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from stats" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from truncate" -l to -d 'The physical offset to cut at: the start of a record, or the end of the data' -r
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from truncate" -l removed -d 'Where the removed messages are listed (JSON lines). Default: <store>/truncated-<yyyyMMddHHmmssSSS>.jsonl' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from truncate" -l store -d 'Store root (storePathRootDir); relative dump paths are taken from it. Default: the root of -c, else $HOME/store (relative dump paths: the current directory)' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from truncate" -s c -l config -d 'Broker .properties file: store paths and file sizes (mappedFileSizeCommitLog, mappedFileSizeConsumeQueue, maxHashSlotNum, maxIndexNum). Without it sizes are taken from the files' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from truncate" -s o -l output -r -f -a "table\t'Tables for people (record dumps: one fixed-width line per record)'
json\t'One JSON document: an array of records, or an object for summaries'
ndjson\t'One JSON object per line (summaries: the document on one line)'"
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from truncate" -l dry-run -d 'Show what would be removed and change nothing (the removed list is written only when --removed is given)'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from truncate" -s y -l yes -d 'Do not ask for confirmation'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from truncate" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from truncate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from truncate" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "dump" -d 'Print the contents of store files: `dump <kind> [PATH]`, or `dump PATH` with the kind told from the path (e.g. `dump commitlog/00000000000000000000`)'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check every record\'s CRC, every ConsumeQueue entry against its CommitLog record, the index files, file sizes and truncation points. Exit 1 naming the first problem'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "stats" -d 'Message counts, bytes, offsets and store times per topic and queue (from the CommitLog)'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "truncate" -d 'Cut the CommitLog at a record boundary (broker stopped): later CommitLog data, ConsumeQueue and index entries go, consumer and delay offsets past the new queue ends are clamped. For an old master that wrote further than its slave and must rejoin as a slave. What is removed is listed first in the --removed file'
complete -c rmq -n "__fish_rmq_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and not __fish_seen_subcommand_from plan migrate verify status help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and not __fish_seen_subcommand_from plan migrate verify status help" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and not __fish_seen_subcommand_from plan migrate verify status help" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and not __fish_seen_subcommand_from plan migrate verify status help" -f -a "plan" -d 'Show a group\'s backlog per queue (committed and max offsets, messages, estimated bytes, oldest unconsumed store time) and the proposed target topic with a lower bound of the duration from a measured pull rate. JSON fields: topic, group, queues [{brokerName, queueId, committed, minOffset, maxOffset, backlog, backlogBytes, oldestUnconsumedMs}], backlog, backlogBytes, targetTopic, targetExists, targetQueues, targetBrokers, measuredPullRate, minimumSecs (the backlog at the pull rate: a lower bound of the duration)'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and not __fish_seen_subcommand_from plan migrate verify status help" -f -a "migrate" -d 'Forward the group\'s backlog (its offsets up to each queue\'s max offset at the start) to a topic with more queues, then move the group\'s offsets to the end of that range. Resumable with --state. Refuses SCHEDULE_TOPIC_XXXX, transaction half topics, %RETRY% and %DLQ% topics'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and not __fish_seen_subcommand_from plan migrate verify status help" -f -a "verify" -d 'Compare every source range with the target: counts and a checksum of (offset, key, body) per source queue, attributed by the origin properties; exit status 1 on any difference'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and not __fish_seen_subcommand_from plan migrate verify status help" -f -a "status" -d 'Where a migration stands, from its state file'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and not __fish_seen_subcommand_from plan migrate verify status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from plan" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from plan" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from plan" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from plan" -s t -l topic -d 'The topic with the backlog' -r
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from plan" -s g -l group -d 'The consumer group whose backlog it is' -r
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from plan" -l to -d 'Target topic (default <topic>_TMP_<yyyyMMddHHmmss>)' -r
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from plan" -l queues -d 'Target queue count (default 4x the source\'s)' -r
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from plan" -l sample -d 'How long to pull to measure the rate (0s: no measurement)' -r
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from plan" -s o -l output -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from plan" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from plan" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from migrate" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from migrate" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from migrate" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from migrate" -s t -l topic -d 'The topic with the backlog (not needed to resume)' -r
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from migrate" -s g -l group -d 'The consumer group whose backlog it is (not needed to resume)' -r
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from migrate" -l to -d 'Target topic (default <topic>_TMP_<yyyyMMddHHmmss>)' -r
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from migrate" -l queues -d 'Queues of a created target (default 4x the source\'s, spread over the cluster\'s masters)' -r
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from migrate" -l rate -d 'At most this many messages per second' -r
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from migrate" -l state -d 'The state file: continues the migration it records when it exists (default ./rmq-backlog-<target>.json)' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from migrate" -l batch -d 'Messages per source queue between state writes: the most a resume sends twice per source queue' -r
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from migrate" -l pull-depth -d 'Pulls in flight per source queue' -r
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from migrate" -s o -l output -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from migrate" -l create -d 'Create the target topic when it does not exist'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from migrate" -l dry-run -d 'Show the ranges and the target, change nothing'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from migrate" -s y -l yes -d 'Do not ask for confirmation'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from migrate" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from migrate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from migrate" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from verify" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from verify" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from verify" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from verify" -l state -d 'The migration\'s state file' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from verify" -s o -l output -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from status" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from status" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from status" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from status" -l state -d 'The migration\'s state file' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from status" -s o -l output -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from help" -f -a "plan" -d 'Show a group\'s backlog per queue (committed and max offsets, messages, estimated bytes, oldest unconsumed store time) and the proposed target topic with a lower bound of the duration from a measured pull rate. JSON fields: topic, group, queues [{brokerName, queueId, committed, minOffset, maxOffset, backlog, backlogBytes, oldestUnconsumedMs}], backlog, backlogBytes, targetTopic, targetExists, targetQueues, targetBrokers, measuredPullRate, minimumSecs (the backlog at the pull rate: a lower bound of the duration)'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from help" -f -a "migrate" -d 'Forward the group\'s backlog (its offsets up to each queue\'s max offset at the start) to a topic with more queues, then move the group\'s offsets to the end of that range. Resumable with --state. Refuses SCHEDULE_TOPIC_XXXX, transaction half topics, %RETRY% and %DLQ% topics'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Compare every source range with the target: counts and a checksum of (offset, key, body) per source queue, attributed by the origin properties; exit status 1 on any difference'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from help" -f -a "status" -d 'Where a migration stands, from its state file'
complete -c rmq -n "__fish_rmq_using_subcommand backlog; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand console" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand console" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand console" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand console" -l listen -d 'Address to serve on. Anything but a loopback address needs --allow-remote' -r
complete -c rmq -n "__fish_rmq_using_subcommand console" -l read-only -d 'Answer every changing request with 403 and hide the buttons that send one'
complete -c rmq -n "__fish_rmq_using_subcommand console" -l allow-remote -d 'Serve on a non-loopback address (anyone who reaches it can change the cluster unless --read-only is given)'
complete -c rmq -n "__fish_rmq_using_subcommand console" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand console" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand console" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand perf; and not __fish_seen_subcommand_from produce consume help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand perf; and not __fish_seen_subcommand_from produce consume help" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand perf; and not __fish_seen_subcommand_from produce consume help" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand perf; and not __fish_seen_subcommand_from produce consume help" -f -a "produce" -d 'Send messages as fast as possible (or at --rate) and report msgs/s, MB/s and send latency percentiles every second. JSON summary fields: sent, errors, seconds, msgsPerSec, mbPerSec, latencyUs {p50, p99, p999, max, mean}, environment {machine {cpus, cpuModel, kernel, memoryBytes}, brokers [{brokerName, addr, version}]}'
complete -c rmq -n "__fish_rmq_using_subcommand perf; and not __fish_seen_subcommand_from produce consume help" -f -a "consume" -d 'Drain a topic and report msgs/s, MB/s, end-to-end latency (born → received and stored → received) and lag every second. JSON summary fields: received, seconds, msgsPerSec, mbPerSec, bornLatencyUs, storeLatencyUs, lag, environment (as for produce)'
complete -c rmq -n "__fish_rmq_using_subcommand perf; and not __fish_seen_subcommand_from produce consume help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from produce" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from produce" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from produce" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from produce" -l workers -d 'Runtime threads of the client. One keeps all its tasks on one core without cross-thread wake-ups, which on a machine it shares with the broker measures more (e.g. 177-183k vs 145-159k msgs/s on 2 cores); raise it when one core cannot drive the cluster' -r
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from produce" -s t -l topic -r
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from produce" -l inflight -d 'Requests in flight at once' -r
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from produce" -s s -l size -d 'Body size in bytes' -r
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from produce" -l count -d 'Stop after this many messages' -r
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from produce" -l duration -d 'Stop after this long (e.g. 30s)' -r
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from produce" -l rate -d 'Target messages per second (default: as fast as possible)' -r
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from produce" -l mode -r -f -a "sync\t''
async\t''
oneway\t''
batch\t''"
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from produce" -l batch -d 'Messages per request with --mode batch' -r
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from produce" -l tags -d 'Number of distinct tags to rotate through (0 = none)' -r
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from produce" -s o -l output -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from produce" -l keys -d 'Give each message a unique KEYS value (exercises the index)'
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from produce" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from produce" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from produce" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from consume" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from consume" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from consume" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from consume" -l workers -d 'Runtime threads of the client. One keeps all its tasks on one core without cross-thread wake-ups, which on a machine it shares with the broker measures more (e.g. 177-183k vs 145-159k msgs/s on 2 cores); raise it when one core cannot drive the cluster' -r
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from consume" -s t -l topic -r
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from consume" -s g -l group -r
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from consume" -l duration -r
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from consume" -l count -r
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from consume" -s o -l output -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from consume" -l from-earliest -d 'Start from the earliest message instead of new ones only'
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from consume" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from consume" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from consume" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from help" -f -a "produce" -d 'Send messages as fast as possible (or at --rate) and report msgs/s, MB/s and send latency percentiles every second. JSON summary fields: sent, errors, seconds, msgsPerSec, mbPerSec, latencyUs {p50, p99, p999, max, mean}, environment {machine {cpus, cpuModel, kernel, memoryBytes}, brokers [{brokerName, addr, version}]}'
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from help" -f -a "consume" -d 'Drain a topic and report msgs/s, MB/s, end-to-end latency (born → received and stored → received) and lag every second. JSON summary fields: received, seconds, msgsPerSec, mbPerSec, bornLatencyUs, storeLatencyUs, lag, environment (as for produce)'
complete -c rmq -n "__fish_rmq_using_subcommand perf; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand chaos" -l mode -d 'Durability setup under test' -r -f -a "sync-flush\t'One broker with flushDiskType=SYNC_FLUSH'
async-flush\t'One broker with flushDiskType=ASYNC_FLUSH'
sync-master\t'A SYNC_MASTER master and its slave; kills hit the master and every message acknowledged so far is looked for on the slave'"
complete -c rmq -n "__fish_rmq_using_subcommand chaos" -l faults -d 'Faults to inject, in turn (comma-separated)' -r -f -a "kill\t'SIGKILL of the broker (the master of a pair), restarted on the same store and port'
pause\t'SIGSTOP of the broker for --pause, then SIGCONT'
namesrv-restart\t'SIGKILL of the name server, restarted on the same port'
partition-master-slave\t'The slave cut off from the master for --partition, then healed (sync-master only)'
partition-client-broker\t'The broker (the master) cut off from the producers and consumers for --partition, then healed'"
complete -c rmq -n "__fish_rmq_using_subcommand chaos" -l cycles -d 'Fault cycles' -r
complete -c rmq -n "__fish_rmq_using_subcommand chaos" -l interval -d 'Load time before each fault' -r
complete -c rmq -n "__fish_rmq_using_subcommand chaos" -l pause -d 'How long a paused broker stays stopped (longer than --timeout)' -r
complete -c rmq -n "__fish_rmq_using_subcommand chaos" -l partition -d 'How long a partition lasts (longer than --timeout and the 4 s HA idle limit)' -r
complete -c rmq -n "__fish_rmq_using_subcommand chaos" -l timeout -d 'Client request timeout' -r
complete -c rmq -n "__fish_rmq_using_subcommand chaos" -l producers -d 'Concurrent producers' -r
complete -c rmq -n "__fish_rmq_using_subcommand chaos" -l keys -d 'Keys per producer' -r
complete -c rmq -n "__fish_rmq_using_subcommand chaos" -l queues -d 'Queues of the test topic' -r
complete -c rmq -n "__fish_rmq_using_subcommand chaos" -l size -d 'Message body size in bytes' -r
complete -c rmq -n "__fish_rmq_using_subcommand chaos" -l max-duration -d 'No fault starts after this much time' -r
complete -c rmq -n "__fish_rmq_using_subcommand chaos" -l drain -d 'Longest wait for the consumers to read everything at the end' -r
complete -c rmq -n "__fish_rmq_using_subcommand chaos" -l dir -d 'Directory for stores, daemon logs and the acked/delivered logs (a new temporary directory when absent; kept either way and named in the report)' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand chaos" -l bin -d 'The rmq binary whose daemons are tested (default: this one)' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand chaos" -s o -l output -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand chaos" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand chaos" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand chaos" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand config; and not __fish_seen_subcommand_from check help" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand config; and not __fish_seen_subcommand_from check help" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand config; and not __fish_seen_subcommand_from check help" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand config; and not __fish_seen_subcommand_from check help" -f -a "check" -d 'Load a config file as the daemon would: report unknown keys and invalid values, then print the effective configuration. Exit 1 on an invalid file'
complete -c rmq -n "__fish_rmq_using_subcommand config; and not __fish_seen_subcommand_from check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand config; and __fish_seen_subcommand_from check" -s c -l config -d 'The `.properties` file' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand config; and __fish_seen_subcommand_from check" -s o -l output -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand config; and __fish_seen_subcommand_from check" -l strict -d 'Treat warnings (unknown keys, adjusted values) as errors'
complete -c rmq -n "__fish_rmq_using_subcommand config; and __fish_seen_subcommand_from check" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand config; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand config; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "check" -d 'Load a config file as the daemon would: report unknown keys and invalid values, then print the effective configuration. Exit 1 on an invalid file'
complete -c rmq -n "__fish_rmq_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand completions" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand completions" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand completions" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand man" -l dir -d 'Write one page per command (rmq.1, rmq-topic.1, rmq-topic-create.1, ...) into this directory instead of printing the top page' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand man" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand man" -s h -l help -d 'Print help'
complete -c rmq -n "__fish_rmq_using_subcommand man" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand updateTopic" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand updateTopic" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand updateTopic" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand updateTopic" -s t -l topic -r
complete -c rmq -n "__fish_rmq_using_subcommand updateTopic" -s c -l cluster -r
complete -c rmq -n "__fish_rmq_using_subcommand updateTopic" -s b -l broker-addr -d 'Broker address (mqadmin\'s -b)' -r
complete -c rmq -n "__fish_rmq_using_subcommand updateTopic" -s r -l read-queues -r
complete -c rmq -n "__fish_rmq_using_subcommand updateTopic" -s w -l write-queues -r
complete -c rmq -n "__fish_rmq_using_subcommand updateTopic" -s p -l perm -r
complete -c rmq -n "__fish_rmq_using_subcommand updateTopic" -s o -l order -d 'Ordered topic (mqadmin\'s -o true|false)' -r -f -a "true\t''
false\t''"
complete -c rmq -n "__fish_rmq_using_subcommand updateTopic" -l output -d 'Output format (-o is the order flag here, as in mqadmin)' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand updateTopic" -l if-not-exists
complete -c rmq -n "__fish_rmq_using_subcommand updateTopic" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand updateTopic" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand updateTopic" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand deleteTopic" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand deleteTopic" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand deleteTopic" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand deleteTopic" -s t -l topic -r
complete -c rmq -n "__fish_rmq_using_subcommand deleteTopic" -s c -l cluster -d 'The cluster whose masters hold the topic' -r
complete -c rmq -n "__fish_rmq_using_subcommand deleteTopic" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand deleteTopic" -s y -l yes -d 'Do not ask for confirmation'
complete -c rmq -n "__fish_rmq_using_subcommand deleteTopic" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand deleteTopic" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand deleteTopic" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand topicList" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand topicList" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand topicList" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand topicList" -s c -l cluster -d 'Detailed listing (cluster, topic, consumer groups); a NAME limits it to that cluster' -r
complete -c rmq -n "__fish_rmq_using_subcommand topicList" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand topicList" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand topicList" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand topicList" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand topicRoute" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand topicRoute" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand topicRoute" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand topicRoute" -s t -l topic -r
complete -c rmq -n "__fish_rmq_using_subcommand topicRoute" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand topicRoute" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand topicRoute" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand topicRoute" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand topicStatus" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand topicStatus" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand topicStatus" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand topicStatus" -s t -l topic -r
complete -c rmq -n "__fish_rmq_using_subcommand topicStatus" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand topicStatus" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand topicStatus" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand topicStatus" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand clusterList" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand clusterList" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand clusterList" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand clusterList" -s c -l cluster -d 'Only this cluster' -r
complete -c rmq -n "__fish_rmq_using_subcommand clusterList" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand clusterList" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand clusterList" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand clusterList" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand brokerStatus" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand brokerStatus" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand brokerStatus" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand brokerStatus" -s c -l cluster -r
complete -c rmq -n "__fish_rmq_using_subcommand brokerStatus" -s b -l broker-addr -d 'Broker address (mqadmin\'s -b)' -r
complete -c rmq -n "__fish_rmq_using_subcommand brokerStatus" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand brokerStatus" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand brokerStatus" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand brokerStatus" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand getBrokerConfig" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand getBrokerConfig" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand getBrokerConfig" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand getBrokerConfig" -s c -l cluster -r
complete -c rmq -n "__fish_rmq_using_subcommand getBrokerConfig" -s b -l broker-addr -d 'Broker address (mqadmin\'s -b)' -r
complete -c rmq -n "__fish_rmq_using_subcommand getBrokerConfig" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand getBrokerConfig" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand getBrokerConfig" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand getBrokerConfig" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand updateBrokerConfig" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand updateBrokerConfig" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand updateBrokerConfig" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand updateBrokerConfig" -s c -l cluster -r
complete -c rmq -n "__fish_rmq_using_subcommand updateBrokerConfig" -s b -l broker-addr -d 'Broker address (mqadmin\'s -b)' -r
complete -c rmq -n "__fish_rmq_using_subcommand updateBrokerConfig" -s k -l key -d 'The configuration key (case-sensitive)' -r
complete -c rmq -n "__fish_rmq_using_subcommand updateBrokerConfig" -l value -d 'The new value' -r
complete -c rmq -n "__fish_rmq_using_subcommand updateBrokerConfig" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand updateBrokerConfig" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand updateBrokerConfig" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand updateBrokerConfig" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand wipeWritePerm" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand wipeWritePerm" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand wipeWritePerm" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand wipeWritePerm" -s b -l broker -d 'The broker name' -r
complete -c rmq -n "__fish_rmq_using_subcommand wipeWritePerm" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand wipeWritePerm" -s y -l yes -d 'Do not ask for confirmation'
complete -c rmq -n "__fish_rmq_using_subcommand wipeWritePerm" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand wipeWritePerm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand wipeWritePerm" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand addWritePerm" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand addWritePerm" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand addWritePerm" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand addWritePerm" -s b -l broker -d 'The broker name' -r
complete -c rmq -n "__fish_rmq_using_subcommand addWritePerm" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand addWritePerm" -s y -l yes -d 'Do not ask for confirmation'
complete -c rmq -n "__fish_rmq_using_subcommand addWritePerm" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand addWritePerm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand addWritePerm" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand updateSubGroup" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand updateSubGroup" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand updateSubGroup" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand updateSubGroup" -s c -l cluster -d 'Every master broker of this cluster' -r
complete -c rmq -n "__fish_rmq_using_subcommand updateSubGroup" -s b -l broker-addr -l broker -d 'One broker: its name (master) or its address host:port' -r
complete -c rmq -n "__fish_rmq_using_subcommand updateSubGroup" -s g -l group -d 'Group name' -r
complete -c rmq -n "__fish_rmq_using_subcommand updateSubGroup" -l consume-enable -d 'Whether the group may consume (default true)' -r -f -a "true\t''
false\t''"
complete -c rmq -n "__fish_rmq_using_subcommand updateSubGroup" -l broadcast -d 'Whether broadcasting consumers may use the group (default true)' -r -f -a "true\t''
false\t''"
complete -c rmq -n "__fish_rmq_using_subcommand updateSubGroup" -l consume-from-min -d 'Whether a new group starts from the first offset (default true)' -r -f -a "true\t''
false\t''"
complete -c rmq -n "__fish_rmq_using_subcommand updateSubGroup" -l retry-queues -d 'Queues of the group\'s %RETRY% topic (default 1)' -r
complete -c rmq -n "__fish_rmq_using_subcommand updateSubGroup" -l max-retries -d 'Redeliveries before a message goes to the %DLQ% topic (default 16)' -r
complete -c rmq -n "__fish_rmq_using_subcommand updateSubGroup" -l broker-id -d 'Broker id consumers read from (default 0, the master)' -r
complete -c rmq -n "__fish_rmq_using_subcommand updateSubGroup" -l which-broker-when-slow -d 'Broker id consumers switch to when they fall behind (default 1)' -r
complete -c rmq -n "__fish_rmq_using_subcommand updateSubGroup" -l notify-ids-changed -d 'Whether consumers are told when the group\'s members change (default true)' -r -f -a "true\t''
false\t''"
complete -c rmq -n "__fish_rmq_using_subcommand updateSubGroup" -s o -l output -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand updateSubGroup" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand updateSubGroup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand updateSubGroup" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand deleteSubGroup" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand deleteSubGroup" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand deleteSubGroup" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand deleteSubGroup" -s c -l cluster -d 'Every master broker of this cluster' -r
complete -c rmq -n "__fish_rmq_using_subcommand deleteSubGroup" -s b -l broker-addr -l broker -d 'One broker: its name (master) or its address host:port' -r
complete -c rmq -n "__fish_rmq_using_subcommand deleteSubGroup" -s g -l group -d 'Group name' -r
complete -c rmq -n "__fish_rmq_using_subcommand deleteSubGroup" -s o -l output -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand deleteSubGroup" -l keep-topics -d 'Keep the group\'s %RETRY% and %DLQ% topics'
complete -c rmq -n "__fish_rmq_using_subcommand deleteSubGroup" -s y -l yes -d 'Do not ask for confirmation'
complete -c rmq -n "__fish_rmq_using_subcommand deleteSubGroup" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand deleteSubGroup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand deleteSubGroup" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand consumerProgress" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumerProgress" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumerProgress" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand consumerProgress" -s c -l cluster -d 'Every master broker of this cluster' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumerProgress" -s b -l broker-addr -l broker -d 'One broker: its name (master) or its address host:port' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumerProgress" -s g -l group -d 'Group name' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumerProgress" -s t -l topic -d 'Only this topic' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumerProgress" -s o -l output -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand consumerProgress" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand consumerProgress" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand consumerProgress" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand consumerConnection" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumerConnection" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumerConnection" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand consumerConnection" -s c -l cluster -d 'Every master broker of this cluster' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumerConnection" -s b -l broker-addr -l broker -d 'One broker: its name (master) or its address host:port' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumerConnection" -s g -l group -d 'Group name' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumerConnection" -s t -l topic -d 'Only this topic' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumerConnection" -s o -l output -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand consumerConnection" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand consumerConnection" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand consumerConnection" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand resetOffsetByTime" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand resetOffsetByTime" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand resetOffsetByTime" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand resetOffsetByTime" -s g -l group -d 'Consumer group' -r
complete -c rmq -n "__fish_rmq_using_subcommand resetOffsetByTime" -s t -l topic -d 'Topic' -r
complete -c rmq -n "__fish_rmq_using_subcommand resetOffsetByTime" -l to -d 'Where to move the offsets (see below)' -r
complete -c rmq -n "__fish_rmq_using_subcommand resetOffsetByTime" -l from-file -d 'Restore the offsets saved in a rollback file' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand resetOffsetByTime" -l rollback-file -d 'Where to write the previous offsets (default: ./rmq-offset-rollback-GROUP-TOPIC-TIME.json)' -r -F
complete -c rmq -n "__fish_rmq_using_subcommand resetOffsetByTime" -l force -d 'mqadmin\'s -f: with false, a queue only moves when the target is before its committed offset' -r -f -a "true\t''
false\t''"
complete -c rmq -n "__fish_rmq_using_subcommand resetOffsetByTime" -s o -l output -r -f -a "table\t'A table for people'
json\t'One JSON document with stable field names, for scripts'"
complete -c rmq -n "__fish_rmq_using_subcommand resetOffsetByTime" -l dry-run -d 'Show per queue `current → target` and what would be replayed or skipped; change nothing'
complete -c rmq -n "__fish_rmq_using_subcommand resetOffsetByTime" -s y -l yes -d 'Do not ask for confirmation'
complete -c rmq -n "__fish_rmq_using_subcommand resetOffsetByTime" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand resetOffsetByTime" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand resetOffsetByTime" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand sendMessage" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand sendMessage" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand sendMessage" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand sendMessage" -s t -l topic -d 'Topic' -r
complete -c rmq -n "__fish_rmq_using_subcommand sendMessage" -s p -d 'mqadmin\'s -p BODY' -r
complete -c rmq -n "__fish_rmq_using_subcommand sendMessage" -l tags -d 'Tag of the messages' -r
complete -c rmq -n "__fish_rmq_using_subcommand sendMessage" -s k -l keys -d 'Keys (index entries for `get --key`); repeat or separate with spaces' -r
complete -c rmq -n "__fish_rmq_using_subcommand sendMessage" -l property -d 'A user property; repeatable' -r
complete -c rmq -n "__fish_rmq_using_subcommand sendMessage" -l delay-level -d 'Delay level (1 = 1s, 2 = 5s, 3 = 10s, ... with the default messageDelayLevel)' -r
complete -c rmq -n "__fish_rmq_using_subcommand sendMessage" -l queue -d 'Send to this queue id (with -b when the topic is on several brokers)' -r
complete -c rmq -n "__fish_rmq_using_subcommand sendMessage" -l sharding-key -d 'Ordered send: every message with this key goes to the same queue' -r
complete -c rmq -n "__fish_rmq_using_subcommand sendMessage" -s b -l broker -d 'Only this broker (name)' -r
complete -c rmq -n "__fish_rmq_using_subcommand sendMessage" -l count -d 'How many messages to send (all with the same body)' -r
complete -c rmq -n "__fish_rmq_using_subcommand sendMessage" -l mode -r -f -a "sync\t'Wait for each send\'s answer before the next'
async\t'Many sends in flight; every answer is still reported'
oneway\t'Fire and forget: no answer, so no offset id, queue offset or status'"
complete -c rmq -n "__fish_rmq_using_subcommand sendMessage" -l producer-group -d 'Producer group named in the requests' -r
complete -c rmq -n "__fish_rmq_using_subcommand sendMessage" -s o -l output -r -f -a "table\t'For people: a table, or one line per message for `consume`'
json\t'One JSON document: an array of objects'
ndjson\t'One JSON object per line'"
complete -c rmq -n "__fish_rmq_using_subcommand sendMessage" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand sendMessage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand sendMessage" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand consumeMessage" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumeMessage" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumeMessage" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand consumeMessage" -s t -l topic -d 'Topic' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumeMessage" -s g -l group -d 'Consumer group whose offsets are the default start (and are committed with --commit)' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumeMessage" -s b -l broker -d 'Only this broker (name)' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumeMessage" -l queue -d 'Only this queue id' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumeMessage" -l from -d 'Where to start (see below)' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumeMessage" -l until -d 'Stop at messages stored after this time' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumeMessage" -l tag -d 'Tag expression: `*`, `TagA`, `TagA || TagB`' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumeMessage" -l count -d 'Stop after this many messages' -r
complete -c rmq -n "__fish_rmq_using_subcommand consumeMessage" -l body -d 'How to show bodies (zlib-compressed bodies are shown decompressed)' -r -f -a "utf8\t'Text; invalid UTF-8 is replaced by U+FFFD'
hex\t''
base64\t''
none\t'Leave the body out'"
complete -c rmq -n "__fish_rmq_using_subcommand consumeMessage" -s o -l output -r -f -a "table\t'For people: a table, or one line per message for `consume`'
json\t'One JSON document: an array of objects'
ndjson\t'One JSON object per line'"
complete -c rmq -n "__fish_rmq_using_subcommand consumeMessage" -s f -l follow -d 'Keep waiting for new messages (long polling) until Ctrl-C or --count'
complete -c rmq -n "__fish_rmq_using_subcommand consumeMessage" -l commit -d 'Commit the group\'s offsets past the messages read'
complete -c rmq -n "__fish_rmq_using_subcommand consumeMessage" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand consumeMessage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand consumeMessage" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand printMsg" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand printMsg" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand printMsg" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand printMsg" -s t -l topic -d 'Topic' -r
complete -c rmq -n "__fish_rmq_using_subcommand printMsg" -s g -l group -d 'Consumer group whose offsets are the default start (and are committed with --commit)' -r
complete -c rmq -n "__fish_rmq_using_subcommand printMsg" -s b -l broker -d 'Only this broker (name)' -r
complete -c rmq -n "__fish_rmq_using_subcommand printMsg" -l queue -d 'Only this queue id' -r
complete -c rmq -n "__fish_rmq_using_subcommand printMsg" -l from -d 'Where to start (see below)' -r
complete -c rmq -n "__fish_rmq_using_subcommand printMsg" -l until -d 'Stop at messages stored after this time' -r
complete -c rmq -n "__fish_rmq_using_subcommand printMsg" -l tag -d 'Tag expression: `*`, `TagA`, `TagA || TagB`' -r
complete -c rmq -n "__fish_rmq_using_subcommand printMsg" -l count -d 'Stop after this many messages' -r
complete -c rmq -n "__fish_rmq_using_subcommand printMsg" -l body -d 'How to show bodies (zlib-compressed bodies are shown decompressed)' -r -f -a "utf8\t'Text; invalid UTF-8 is replaced by U+FFFD'
hex\t''
base64\t''
none\t'Leave the body out'"
complete -c rmq -n "__fish_rmq_using_subcommand printMsg" -s o -l output -r -f -a "table\t'For people: a table, or one line per message for `consume`'
json\t'One JSON document: an array of objects'
ndjson\t'One JSON object per line'"
complete -c rmq -n "__fish_rmq_using_subcommand printMsg" -s f -l follow -d 'Keep waiting for new messages (long polling) until Ctrl-C or --count'
complete -c rmq -n "__fish_rmq_using_subcommand printMsg" -l commit -d 'Commit the group\'s offsets past the messages read'
complete -c rmq -n "__fish_rmq_using_subcommand printMsg" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand printMsg" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand printMsg" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgById" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgById" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgById" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgById" -l id -d 'Message id: an offset id, or a client id (UNIQ_KEY; needs -t)' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgById" -s k -l key -d 'Message key (needs -t)' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgById" -l offset -d 'Queue offset (needs -t and --queue; -b when the topic is on several brokers)' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgById" -s t -l topic -d 'Topic' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgById" -s b -l broker -d 'Broker name (with --offset)' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgById" -l queue -d 'Queue id (with --offset)' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgById" -l max -d 'Key lookups: most messages per broker' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgById" -l begin -d 'Key lookups: stored at or after this time' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgById" -l end -d 'Key lookups: stored at or before this time' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgById" -l body -d 'How to show bodies' -r -f -a "utf8\t'Text; invalid UTF-8 is replaced by U+FFFD'
hex\t''
base64\t''
none\t'Leave the body out'"
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgById" -s o -l output -r -f -a "table\t'For people: a table, or one line per message for `consume`'
json\t'One JSON document: an array of objects'
ndjson\t'One JSON object per line'"
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgById" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgById" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgById" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByKey" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByKey" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByKey" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByKey" -l id -d 'Message id: an offset id, or a client id (UNIQ_KEY; needs -t)' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByKey" -s k -l key -d 'Message key (needs -t)' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByKey" -l offset -d 'Queue offset (needs -t and --queue; -b when the topic is on several brokers)' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByKey" -s t -l topic -d 'Topic' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByKey" -s b -l broker -d 'Broker name (with --offset)' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByKey" -l queue -d 'Queue id (with --offset)' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByKey" -l max -d 'Key lookups: most messages per broker' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByKey" -l begin -d 'Key lookups: stored at or after this time' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByKey" -l end -d 'Key lookups: stored at or before this time' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByKey" -l body -d 'How to show bodies' -r -f -a "utf8\t'Text; invalid UTF-8 is replaced by U+FFFD'
hex\t''
base64\t''
none\t'Leave the body out'"
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByKey" -s o -l output -r -f -a "table\t'For people: a table, or one line per message for `consume`'
json\t'One JSON document: an array of objects'
ndjson\t'One JSON object per line'"
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByKey" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByKey" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByKey" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByOffset" -s n -l namesrv -d 'Name server address(es), `host:port;host:port`' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByOffset" -l timeout -d 'Per-request timeout (e.g. 3s, 500ms)' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByOffset" -l serialize -d 'Header serialization of requests (Java clients default to json)' -r -f -a "json\t''
rocketmq\t''"
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByOffset" -l id -d 'Message id: an offset id, or a client id (UNIQ_KEY; needs -t)' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByOffset" -s k -l key -d 'Message key (needs -t)' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByOffset" -l offset -d 'Queue offset (needs -t and --queue; -b when the topic is on several brokers)' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByOffset" -s t -l topic -d 'Topic' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByOffset" -s b -l broker -d 'Broker name (with --offset)' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByOffset" -l queue -d 'Queue id (with --offset)' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByOffset" -l max -d 'Key lookups: most messages per broker' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByOffset" -l begin -d 'Key lookups: stored at or after this time' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByOffset" -l end -d 'Key lookups: stored at or before this time' -r
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByOffset" -l body -d 'How to show bodies' -r -f -a "utf8\t'Text; invalid UTF-8 is replaced by U+FFFD'
hex\t''
base64\t''
none\t'Leave the body out'"
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByOffset" -s o -l output -r -f -a "table\t'For people: a table, or one line per message for `consume`'
json\t'One JSON document: an array of objects'
ndjson\t'One JSON object per line'"
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByOffset" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByOffset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand queryMsgByOffset" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand decodeMessageId" -s i -d 'mqadmin\'s -i ID' -r
complete -c rmq -n "__fish_rmq_using_subcommand decodeMessageId" -s o -l output -r -f -a "table\t'For people: a table, or one line per message for `consume`'
json\t'One JSON document: an array of objects'
ndjson\t'One JSON object per line'"
complete -c rmq -n "__fish_rmq_using_subcommand decodeMessageId" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c rmq -n "__fish_rmq_using_subcommand decodeMessageId" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rmq -n "__fish_rmq_using_subcommand decodeMessageId" -s V -l version -d 'Print version'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "dev" -d 'Run a name server and a broker in one process with local defaults (start here)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "namesrv" -d 'Run the name server'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "broker" -d 'Run or administer brokers'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "cluster" -d 'List the brokers of the clusters'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "ha" -d 'Replication: master/slave pairs, offsets, how far behind, in sync'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "topic" -d 'Create, delete, list topics; show their route and per-queue status'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "group" -d 'Subscription groups: create, list, describe (progress, clients), delete'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "offset" -d 'Consumer offsets: reset to earliest, latest or a time, with dry run and rollback'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "message" -d 'Messages: send, consume, get by id/key/offset, decode ids'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "dlq" -d 'Dead-letter queues: list a group\'s %DLQ% topic, send its messages back once'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "failover" -d 'Fail a master/slave pair over to its slave: plan, execute, verify'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "store" -d 'Inspect a store offline: dump its files, verify it, per-queue stats'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "backlog" -d 'Forward a group\'s backlog to a topic with more queues (plan, migrate, verify, status)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "console" -d 'Serve the web console (overview, topics, groups, messages, DLQ) and its JSON API'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "perf" -d 'Measure throughput and latency against a cluster'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "chaos" -d 'Fault injection on local rmq processes with a check that nothing acknowledged is lost'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "config" -d 'Check and show configuration files'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, elvish, powershell)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "man" -d 'Print the man page, or write every command\'s page with --dir'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "updateTopic" -d 'mqadmin updateTopic, i.e. `rmq topic create` with mqadmin\'s flags: -b is the broker ADDRESS and -o is the order flag (true|false), so the output format is --output only'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "deleteTopic" -d 'mqadmin deleteTopic: `rmq topic delete` (asks for confirmation unless --yes)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "topicList" -d 'mqadmin topicList: `rmq topic list` (-c without a name is mqadmin\'s cluster mode)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "topicRoute" -d 'mqadmin topicRoute: `rmq topic route`'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "topicStatus" -d 'mqadmin topicStatus: `rmq topic status`'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "clusterList" -d 'mqadmin clusterList: same as `rmq cluster list` (mqadmin\'s -m/-i are not supported)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "brokerStatus" -d 'mqadmin brokerStatus: `rmq broker status`, but -b is the broker ADDRESS as in mqadmin'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "getBrokerConfig" -d 'mqadmin getBrokerConfig: `rmq broker config get`, but -b is the broker ADDRESS'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "updateBrokerConfig" -d 'mqadmin updateBrokerConfig: `rmq broker config set`, but -b is the broker ADDRESS'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "wipeWritePerm" -d 'mqadmin wipeWritePerm: `rmq broker perm wipe` (asks for confirmation unless --yes)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "addWritePerm" -d 'mqadmin addWritePerm: `rmq broker perm add`'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "updateSubGroup" -d 'mqadmin updateSubGroup: `rmq group create`'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "deleteSubGroup" -d 'mqadmin deleteSubGroup: `rmq group delete` (asks for confirmation unless --yes)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "consumerProgress" -d 'mqadmin consumerProgress: `rmq group describe` (lag per queue, then the clients)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "consumerConnection" -d 'mqadmin consumerConnection: `rmq group describe` (the connected clients)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "resetOffsetByTime" -d 'mqadmin resetOffsetByTime: `rmq offset reset` (online, through the broker, or offline)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "sendMessage" -d 'mqadmin sendMessage: `rmq message send`'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "consumeMessage" -d 'mqadmin consumeMessage: `rmq message consume`'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "printMsg" -d 'mqadmin printMsg: `rmq message consume` (every message of a topic)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "queryMsgById" -d 'mqadmin queryMsgById: `rmq message get --id`'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "queryMsgByKey" -d 'mqadmin queryMsgByKey: `rmq message get --key`'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "queryMsgByOffset" -d 'mqadmin queryMsgByOffset: `rmq message get --offset`'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "decodeMessageId" -d 'mqadmin decodeMessageId: `rmq message decode-id`'
complete -c rmq -n "__fish_rmq_using_subcommand help; and not __fish_seen_subcommand_from dev namesrv broker cluster ha topic group offset message dlq failover store backlog console perf chaos config completions man updateTopic deleteTopic topicList topicRoute topicStatus clusterList brokerStatus getBrokerConfig updateBrokerConfig wipeWritePerm addWritePerm updateSubGroup deleteSubGroup consumerProgress consumerConnection resetOffsetByTime sendMessage consumeMessage printMsg queryMsgById queryMsgByKey queryMsgByOffset decodeMessageId help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from namesrv" -f -a "start" -d 'Start the name server and serve until SIGINT/SIGTERM. Prints "The Name Server boot success. serializeType=JSON, address HOST:PORT" on stdout once it accepts connections'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from broker" -f -a "start" -d 'Start a broker (runs until SIGINT/SIGTERM, then shuts down cleanly)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from broker" -f -a "status" -d 'Runtime information of running brokers (the GET_BROKER_RUNTIME_INFO key/value table)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from broker" -f -a "config" -d 'Read or change the configuration of running brokers'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from broker" -f -a "perm" -d 'Remove or restore a broker\'s write permission on every name server'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from broker" -f -a "promote" -d 'Make a running rmq slave the master of its broker name, online: it stops replicating, drops a partial last record, takes brokerId 0 and the role, writes both to its properties file and re-registers with every name server (routes then send writes to it); delayed delivery and transaction check-back start'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from broker" -f -a "demote" -d 'Make a running rmq master a slave of another master, online (e.g. an old master brought back after a failover): it stops taking writes and replicating to its slaves, takes the slave id, replicates from --master, writes brokerId, brokerRole and haMasterAddress to its properties file and re-registers'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "list" -d 'List every broker of every cluster (or of one with -c): id, address, version, TPS, role'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from ha" -f -a "status" -d 'One row per master/slave pair: offsets, how far the slave is behind, whether in sync'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "create" -d 'Create a topic, or update it where it exists, on every master of a cluster (-c), on one broker\'s master (-b) or on one broker address (--broker-addr)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "delete" -d 'Delete a topic from every master of a cluster and its route from every name server'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "list" -d 'List topics; with --cluster, the cluster and consumer groups of each topic'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "route" -d 'Show a topic\'s route: its brokers, their addresses, queue counts and permission'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "status" -d 'Per-queue offsets of a topic: min and max offset and the store time of the last message, from each master in the topic\'s route'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "create" -d 'Create a subscription group, or update it where it exists (options not given keep their current value), on every master of a cluster or on one broker'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "list" -d 'List the subscription groups of each master broker'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "describe" -d 'A group\'s progress per queue (broker offset, consumer offset, lag, last consume time), totals, and its online clients with their subscriptions'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "delete" -d 'Delete a subscription group (and its %RETRY% and %DLQ% topics, as mqadmin does)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from offset" -f -a "reset" -d 'Move a group\'s committed offsets on a topic (earliest, latest or a time); restore a previous reset with --from-file'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from message" -f -a "send" -d 'Send messages (sync, async or oneway); prints msgId, offsetMsgId, broker, queue, offset and status of each'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from message" -f -a "consume" -d 'Read messages of a topic by pulling (no consumer registers); offsets are committed only with --commit'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from message" -f -a "get" -d 'Look messages up by message id, by key, or by queue offset'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from message" -f -a "decode-id" -d 'Explain message ids: store host and CommitLog offset of an offset id; IP, pid and time of a client id (UNIQ_KEY)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from dlq" -f -a "list" -d 'List the messages in a group\'s dead-letter topic (%DLQ%GROUP), on every broker'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from dlq" -f -a "resend" -d 'Send DLQ messages back (to their origin topic by default), each once'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from failover" -f -a "plan" -d 'What a failover of a broker name would find and do: master reachable or not, each slave\'s CommitLog end and bytes behind, consumer groups connected, the steps'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from failover" -f -a "execute" -d 'Fail a broker name over to its best slave: wipe the write permission on every name server, (with a live master: wait until the slave is in sync and demote the master to its slave), promote the slave, verify that the routes send writes to it and it stores one. Each step is printed with its timing; a failed step stops with what to do next'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from failover" -f -a "verify" -d 'Wait until the name servers route a broker name\'s writes to ADDR and a probe message sent through that route (to SELF_TEST_TOPIC) is stored. Exit 1 on timeout'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "dump" -d 'Print the contents of store files: `dump <kind> [PATH]`, or `dump PATH` with the kind told from the path (e.g. `dump commitlog/00000000000000000000`)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "verify" -d 'Check every record\'s CRC, every ConsumeQueue entry against its CommitLog record, the index files, file sizes and truncation points. Exit 1 naming the first problem'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "stats" -d 'Message counts, bytes, offsets and store times per topic and queue (from the CommitLog)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "truncate" -d 'Cut the CommitLog at a record boundary (broker stopped): later CommitLog data, ConsumeQueue and index entries go, consumer and delay offsets past the new queue ends are clamped. For an old master that wrote further than its slave and must rejoin as a slave. What is removed is listed first in the --removed file'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from backlog" -f -a "plan" -d 'Show a group\'s backlog per queue (committed and max offsets, messages, estimated bytes, oldest unconsumed store time) and the proposed target topic with a lower bound of the duration from a measured pull rate. JSON fields: topic, group, queues [{brokerName, queueId, committed, minOffset, maxOffset, backlog, backlogBytes, oldestUnconsumedMs}], backlog, backlogBytes, targetTopic, targetExists, targetQueues, targetBrokers, measuredPullRate, minimumSecs (the backlog at the pull rate: a lower bound of the duration)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from backlog" -f -a "migrate" -d 'Forward the group\'s backlog (its offsets up to each queue\'s max offset at the start) to a topic with more queues, then move the group\'s offsets to the end of that range. Resumable with --state. Refuses SCHEDULE_TOPIC_XXXX, transaction half topics, %RETRY% and %DLQ% topics'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from backlog" -f -a "verify" -d 'Compare every source range with the target: counts and a checksum of (offset, key, body) per source queue, attributed by the origin properties; exit status 1 on any difference'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from backlog" -f -a "status" -d 'Where a migration stands, from its state file'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from perf" -f -a "produce" -d 'Send messages as fast as possible (or at --rate) and report msgs/s, MB/s and send latency percentiles every second. JSON summary fields: sent, errors, seconds, msgsPerSec, mbPerSec, latencyUs {p50, p99, p999, max, mean}, environment {machine {cpus, cpuModel, kernel, memoryBytes}, brokers [{brokerName, addr, version}]}'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from perf" -f -a "consume" -d 'Drain a topic and report msgs/s, MB/s, end-to-end latency (born → received and stored → received) and lag every second. JSON summary fields: received, seconds, msgsPerSec, mbPerSec, bornLatencyUs, storeLatencyUs, lag, environment (as for produce)'
complete -c rmq -n "__fish_rmq_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "check" -d 'Load a config file as the daemon would: report unknown keys and invalid values, then print the effective configuration. Exit 1 on an invalid file'
