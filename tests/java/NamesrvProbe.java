// Drives an rmq name server with the real Apache RocketMQ 4.9.8 client stack (run as a
// single-file source program: java -cp "$RMQ_JAVA_LIB/*" tests/java/NamesrvProbe.java ...).
//
//   NamesrvProbe <host:port> <topicRegisteredByRust>
//
// Registers a broker with a *compressed* body built by Java's own RegisterBrokerBody.encode(true),
// then reads everything back through MQClientAPIImpl (the API producers, consumers and mqadmin
// use) and prints one line per check. The header serialization follows the JVM property
// -Drocketmq.serialize.type (JSON or ROCKETMQ).
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.impl.MQClientAPIImpl;
import org.apache.rocketmq.common.MQVersion;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.UtilAll;
import org.apache.rocketmq.common.protocol.RequestCode;
import org.apache.rocketmq.common.protocol.body.ClusterInfo;
import org.apache.rocketmq.common.protocol.body.KVTable;
import org.apache.rocketmq.common.protocol.body.RegisterBrokerBody;
import org.apache.rocketmq.common.protocol.body.TopicConfigSerializeWrapper;
import org.apache.rocketmq.common.protocol.header.namesrv.RegisterBrokerRequestHeader;
import org.apache.rocketmq.common.protocol.header.namesrv.RegisterBrokerResponseHeader;
import org.apache.rocketmq.common.protocol.route.BrokerData;
import org.apache.rocketmq.common.protocol.route.QueueData;
import org.apache.rocketmq.common.protocol.route.TopicRouteData;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;

public class NamesrvProbe {
    static final long T = 3000;

    public static void main(String[] args) throws Exception {
        // As BrokerStartup does: without it every request carries version 0, and a name server
        // (Java's or rmq) reads REGISTER_BROKER bodies in the pre-3.0.11 format.
        System.setProperty(RemotingCommand.REMOTING_VERSION_KEY, Integer.toString(MQVersion.CURRENT_VERSION));
        String addr = args[0];
        String rustTopic = args[1];
        List<String> addrs = Collections.singletonList(addr);

        // 1. A compressed registration, encoded by Java itself, with its CRC.
        NettyRemotingClient raw = new NettyRemotingClient(new NettyClientConfig());
        raw.start();
        TopicConfigSerializeWrapper wrapper = new TopicConfigSerializeWrapper();
        ConcurrentHashMap<String, TopicConfig> table = new ConcurrentHashMap<>();
        TopicConfig tc = new TopicConfig("JavaCompressedTopic", 3, 3, 6);
        table.put(tc.getTopicName(), tc);
        wrapper.setTopicConfigTable(table);
        wrapper.getDataVersion().nextVersion();
        RegisterBrokerBody body = new RegisterBrokerBody();
        body.setTopicConfigSerializeWrapper(wrapper);
        byte[] bytes = body.encode(true);
        RegisterBrokerRequestHeader h = new RegisterBrokerRequestHeader();
        h.setBrokerName("java-broker");
        h.setBrokerAddr("127.0.0.1:2");
        h.setClusterName("JavaCluster");
        h.setHaServerAddr("127.0.0.1:3");
        h.setBrokerId(0L);
        h.setCompressed(true);
        h.setBodyCrc32(UtilAll.crc32(bytes));
        RemotingCommand req = RemotingCommand.createRequestCommand(RequestCode.REGISTER_BROKER, h);
        req.setBody(bytes);
        RemotingCommand resp = raw.invokeSync(addr, req, T);
        System.out.println("REGISTER_COMPRESSED code=" + resp.getCode() + " remark=" + resp.getRemark()
            + " type=" + resp.getSerializeTypeCurrentRPC());

        // A slave of the same group learns its master from the response header.
        h.setBrokerAddr("127.0.0.1:4");
        h.setBrokerId(1L);
        h.setCompressed(false);
        byte[] plain = body.encode(false);
        h.setBodyCrc32(UtilAll.crc32(plain));
        req = RemotingCommand.createRequestCommand(RequestCode.REGISTER_BROKER, h);
        req.setBody(plain);
        resp = raw.invokeSync(addr, req, T);
        RegisterBrokerResponseHeader rh = (RegisterBrokerResponseHeader)
            resp.decodeCommandCustomHeader(RegisterBrokerResponseHeader.class);
        System.out.println("REGISTER_SLAVE code=" + resp.getCode() + " masterAddr=" + rh.getMasterAddr()
            + " haServerAddr=" + rh.getHaServerAddr());

        MQClientAPIImpl api = new MQClientAPIImpl(new NettyClientConfig(), null, null, new ClientConfig());
        api.start();
        api.updateNameServerAddressList(addr);
        try {
            printRoute(api, "JavaCompressedTopic");
            printRoute(api, rustTopic);
            try {
                api.getTopicRouteInfoFromNameServer("NoSuchTopic", T);
                System.out.println("MISSING unexpected success");
            } catch (MQClientException e) {
                System.out.println("MISSING code=" + e.getResponseCode());
            }

            ClusterInfo info = api.getBrokerClusterInfo(T);
            for (Map.Entry<String, java.util.Set<String>> e : info.getClusterAddrTable().entrySet()) {
                System.out.println("CLUSTER " + e.getKey() + " " + new TreeSet<>(e.getValue()));
            }
            for (BrokerData bd : info.getBrokerAddrTable().values()) {
                System.out.println("BROKER " + bd.getBrokerName() + " cluster=" + bd.getCluster() + " addrs=" + bd.getBrokerAddrs());
            }

            System.out.println("TOPICS " + new TreeSet<>(api.getTopicListFromNameServer(T).getTopicList()));
            System.out.println("TOPICS_BY_CLUSTER " + new TreeSet<>(api.getTopicsByCluster("JavaCluster", T).getTopicList()));

            api.putKVConfigValue("JavaNS", "k1", "v1", T);
            System.out.println("KV_GET " + api.getKVConfigValue("JavaNS", "k1", T));
            KVTable kv = api.getKVListByNamespace("JavaNS", T);
            System.out.println("KV_LIST " + kv.getTable());
            api.deleteKVConfigValue("JavaNS", "k1", T);
            try {
                api.getKVConfigValue("JavaNS", "k1", T);
                System.out.println("KV_DELETED unexpected success");
            } catch (MQClientException e) {
                System.out.println("KV_DELETED code=" + e.getResponseCode());
            }

            System.out.println("WIPE " + api.wipeWritePermOfBroker(addr, "java-broker", T));
            System.out.println("PERM_AFTER_WIPE " + api.getTopicRouteInfoFromNameServer("JavaCompressedTopic", T).getQueueDatas().get(0).getPerm());
            System.out.println("ADD " + api.addWritePermOfBroker(addr, "java-broker", T));
            System.out.println("PERM_AFTER_ADD " + api.getTopicRouteInfoFromNameServer("JavaCompressedTopic", T).getQueueDatas().get(0).getPerm());

            Map<String, Properties> configs = api.getNameServerConfig(addrs, T);
            Properties p = configs.get(addr);
            System.out.println("CONFIG listenPort=" + p.getProperty("listenPort") + " orderMessageEnable=" + p.getProperty("orderMessageEnable"));
            Properties update = new Properties();
            update.setProperty("kvConfigPath", "/tmp/elsewhere.json");
            try {
                api.updateNameServerConfig(update, addrs, T);
                System.out.println("BLACKLIST unexpected success");
            } catch (MQClientException e) {
                System.out.println("BLACKLIST code=" + e.getResponseCode());
            }

            api.deleteTopicInNameServer(addr, "JavaCompressedTopic", "JavaCluster", T);
            try {
                api.getTopicRouteInfoFromNameServer("JavaCompressedTopic", T);
                System.out.println("DELETED unexpected success");
            } catch (MQClientException e) {
                System.out.println("DELETED code=" + e.getResponseCode());
            }
        } finally {
            api.shutdown();
            raw.shutdown();
        }
    }

    static void printRoute(MQClientAPIImpl api, String topic) throws Exception {
        TopicRouteData route = api.getTopicRouteInfoFromNameServer(topic, T);
        List<String> queues = new ArrayList<>();
        for (QueueData q : route.getQueueDatas()) {
            queues.add(q.getBrokerName() + ":r" + q.getReadQueueNums() + ":w" + q.getWriteQueueNums() + ":p" + q.getPerm());
        }
        Collections.sort(queues);
        List<String> brokers = new ArrayList<>();
        for (BrokerData b : route.getBrokerDatas()) {
            brokers.add(b.getBrokerName() + "@" + b.getCluster() + new java.util.TreeMap<>(b.getBrokerAddrs()));
        }
        Collections.sort(brokers);
        System.out.println("ROUTE " + topic + " queues=" + queues + " brokers=" + brokers);
    }
}
