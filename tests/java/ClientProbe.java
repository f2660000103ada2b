// Drives an rmq namesrv + broker with the real Apache RocketMQ 4.9.8 Java client (run as a
// single-file source program: java -cp "$RMQ_JAVA_LIB/*" tests/java/ClientProbe.java ...).
//
//   produce <namesrv> <topic> <count> <tag,tag,...>  sync sends, tags round-robin; prints
//                                                   "SENT <n> <status> <queueId> <offset>" lines and "PRODUCED <n>"
//   batch <namesrv> <topic> <count>                  one batch send; prints "BATCH <status> <msgIds>"
//   push <namesrv> <topic> <group> <expr> <expect> <seconds>   push consumer from the first offset;
//                                                   prints "GOT <tag> <body>" and "CONSUMED <n>"
//   lite <namesrv> <topic> <group> <expr> <expect> <seconds>   lite pull consumer, same output
//
// Modes printing one JSON object per message, for tests that compare what was sent with what
// arrived field by field (tests/java_clients.rs). Several commands can run in one JVM, separated
// by "--" (each JVM start costs seconds of CPU): e.g. `send ... -- consume ...`.
//   config                                           "CONFIG {serializeType, sendSmartMsg}"
//   send <namesrv> <topic> <perMode> <tag,..> <mode,..>   modes sync|async|oneway|batch, perMode
//                                                   messages each; tags round-robin over the
//                                                   global index; "SEND {json}" per message
//                                                   (msgId, uniqKey, offsetMsgId, brokerName,
//                                                   queueId, queueOffset, topic, tags, keys, body,
//                                                   props = user properties) and "PRODUCED <n>"
//   ordered <namesrv> <topic> <key,..> <perKey>      sync sends through a MessageQueueSelector
//                                                   (Java hash of the key modulo the queue count),
//                                                   keys interleaved; "SEND {json}", "PRODUCED <n>"
//   consume <namesrv> <topic> <group> <expr> <expect> <seconds>  push consumer (concurrently);
//                                                   "RECV {json}" per message, "CONSUMED <n>"
//   orderly <namesrv> <topic> <group> <expr> <expect> <seconds>  push consumer (orderly), same
//   pull <namesrv> <topic> <group> <expr> <expect> <seconds>     lite pull consumer, same
//   steady <namesrv> <topic> <seconds> <pollNameServerMillis>  sync sends one after the other for
//                                                   <seconds>, through failures; "ACK {i, status, msgId,
//                                                   offsetMsgId, brokerName, queueId, queueOffset, body,
//                                                   at}" per answered send, "ERR {i, at, error}" per
//                                                   exception, "STEADY <acks> <errors>" at the end
//   transaction <namesrv> <topic> <group> <plan,..> <minSeconds> <maxSeconds>
//                                                   TransactionMQProducer: one message per plan item;
//                                                   an item is answers separated by '/': the local
//                                                   transaction's, then the 1st, 2nd... check-back's
//                                                   (the last repeats); C commit, R rollback, U
//                                                   unknown. "TX {json}" per message (SEND fields +
//                                                   local), "CHECK {uniqKey, n, answer, offsetMsgId,
//                                                   tranStateTableOffset...}" per check-back; waits at
//                                                   least minSeconds, then until every plan ending in
//                                                   C or R got that answer (at most maxSeconds);
//                                                   "RESOLVED <n>" counts them
//   dlq <namesrv> <topic> <group> <maxReconsumeTimes> <expect> <seconds>
//                                                   push consumer with that maxReconsumeTimes
//                                                   answering RECONSUME_LATER to every delivery;
//                                                   "DELIVERY {at (ms), topic, msgId, uniqKey,
//                                                   reconsumeTimes, allProps}" per delivery; stops
//                                                   after `expect` deliveries (+2 s for the last
//                                                   send-back) or `seconds`; "DELIVERED <n>"
//   broadcast <namesrv> <topic> <group> <expect> <seconds>   two push consumers (instances a and
//                                                   b) of one group in BROADCASTING mode from the
//                                                   first offset; "BRECV {consumer, body, tags,
//                                                   keys}" per message; waits until each got
//                                                   `expect` or `seconds`, then 1.5 s more;
//                                                   "BROADCAST {a: n, b: n}"
//   reply <namesrv> <topic> <group> <expect> <seconds>   push consumer answering each request
//                                                   (a message with REPLY_TO_CLIENT) with
//                                                   MessageUtil.createReplyMessage(body "re:"+body)
//                                                   sent by a producer; sends one warm-up message
//                                                   first (creates the topic), prints "READY" once
//                                                   started, "REPLIED {request, status, remark}"
//                                                   per request and "REPLIES <n>"
//   request <namesrv> <topic> <sync> <async> <timeoutMs>   DefaultMQProducer.request(): <sync>
//                                                   blocking calls, then <async> with a
//                                                   RequestCallback; "REPLY {mode, request, topic,
//                                                   body, bornHost, storeHost, queueId, flag,
//                                                   reconsumeTimes, allProps}" per reply,
//                                                   "REQFAIL {mode, request, error}" per failure,
//                                                   "ANSWERED <n>"
// Every JVM ends with "RPC {requests: {"code/SERIALIZETYPE": count}, responses: {same}}", what an
// RPC hook saw on the wire, so a test can tell which request codes and header serializations were
// really used (responses: the serialization the server answered each request code in).
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import org.apache.rocketmq.client.consumer.*;
import org.apache.rocketmq.client.consumer.rebalance.AllocateMessageQueueAveragely;
import org.apache.rocketmq.client.consumer.listener.*;
import org.apache.rocketmq.client.producer.*;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.*;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;

public class ClientProbe {
    public static void main(String[] args) throws Exception {
        List<String> cmd = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals("--")) {
                run(cmd.toArray(new String[0]));
                cmd.clear();
            } else {
                cmd.add(arg);
            }
        }
        if (!cmd.isEmpty()) run(cmd.toArray(new String[0]));
        System.out.println("RPC " + HOOK.summary());
        System.exit(0);
    }

    static void run(String[] a) throws Exception {
        switch (a[0]) {
            case "produce": produce(a[1], a[2], Integer.parseInt(a[3]), a[4].split(",")); break;
            case "batch": batch(a[1], a[2], Integer.parseInt(a[3])); break;
            case "push": push(a[1], a[2], a[3], a[4], Integer.parseInt(a[5]), Integer.parseInt(a[6])); break;
            case "lite": lite(a[1], a[2], a[3], a[4], Integer.parseInt(a[5]), Integer.parseInt(a[6])); break;
            case "config": config(); break;
            case "send": send(a[1], a[2], Integer.parseInt(a[3]), a[4].split(","), a[5].split(",")); break;
            case "ordered": ordered(a[1], a[2], a[3].split(","), Integer.parseInt(a[4])); break;
            case "consume": consume(a[1], a[2], a[3], a[4], Integer.parseInt(a[5]), Integer.parseInt(a[6]), false); break;
            case "orderly": consume(a[1], a[2], a[3], a[4], Integer.parseInt(a[5]), Integer.parseInt(a[6]), true); break;
            case "transaction": transaction(a[1], a[2], a[3], a[4].split(","), Integer.parseInt(a[5]), Integer.parseInt(a[6])); break;
            case "pull": pull(a[1], a[2], a[3], a[4], Integer.parseInt(a[5]), Integer.parseInt(a[6])); break;
            case "delayed": delayed(a[1], a[2], Integer.parseInt(a[3]), Integer.parseInt(a[4])); break;
            case "retry": retry(a[1], a[2], a[3], Integer.parseInt(a[4]), Integer.parseInt(a[5])); break;
            case "dlq": dlq(a[1], a[2], a[3], Integer.parseInt(a[4]), Integer.parseInt(a[5]), Integer.parseInt(a[6])); break;
            case "broadcast": broadcast(a[1], a[2], a[3], Integer.parseInt(a[4]), Integer.parseInt(a[5])); break;
            case "steady": steady(a[1], a[2], Integer.parseInt(a[3]), Integer.parseInt(a[4])); break;
            case "reply": reply(a[1], a[2], a[3], Integer.parseInt(a[4]), Integer.parseInt(a[5])); break;
            case "request": request(a[1], a[2], Integer.parseInt(a[3]), Integer.parseInt(a[4]), Integer.parseInt(a[5])); break;
            default: throw new IllegalArgumentException(a[0]);
        }
    }

    static void produce(String ns, String topic, int count, String[] tags) throws Exception {
        DefaultMQProducer p = new DefaultMQProducer("probe_producer");
        p.setNamesrvAddr(ns);
        p.setSendMsgTimeout(10000);
        p.start();
        int ok = 0;
        for (int i = 0; i < count; i++) {
            String tag = tags[i % tags.length];
            Message m = new Message(topic, tag, "key-" + i, (tag + "-body-" + i).getBytes("UTF-8"));
            m.putUserProperty("seq", String.valueOf(i));
            SendResult r = p.send(m);
            System.out.println("SENT " + i + " " + r.getSendStatus() + " " + r.getMessageQueue().getQueueId() + " " + r.getQueueOffset() + " " + r.getOffsetMsgId());
            if (r.getSendStatus() == SendStatus.SEND_OK) ok++;
        }
        System.out.println("PRODUCED " + ok);
        p.shutdown();
    }

    static void batch(String ns, String topic, int count) throws Exception {
        DefaultMQProducer p = new DefaultMQProducer("probe_batch_producer");
        p.setNamesrvAddr(ns);
        p.start();
        List<Message> list = new ArrayList<>();
        for (int i = 0; i < count; i++) list.add(new Message(topic, "BatchTag", "bkey-" + i, ("batch-" + i).getBytes("UTF-8")));
        SendResult r = p.send(list);
        System.out.println("BATCH " + r.getSendStatus() + " " + r.getOffsetMsgId());
        p.shutdown();
    }

    static void push(String ns, String topic, String group, String expr, int expect, int seconds) throws Exception {
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(group);
        c.setNamesrvAddr(ns);
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        // Offsets also go to the broker every second, so the 1.5 s wait below commits every
        // consumed queue even when the commit at shutdown misses some (seen once with the Java
        // broker: only one queue's offset arrived).
        c.setPersistConsumerOffsetInterval(1000);
        c.subscribe(topic, expr);
        AtomicInteger n = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(expect);
        c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            for (MessageExt m : msgs) {
                System.out.println("GOT " + m.getTags() + " " + new String(m.getBody()));
                n.incrementAndGet();
                done.countDown();
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        c.start();
        done.await(seconds, TimeUnit.SECONDS);
        Thread.sleep(1500); // anything beyond the expected count would show up here
        System.out.println("CONSUMED " + n.get());
        c.shutdown();
    }

    static void lite(String ns, String topic, String group, String expr, int expect, int seconds) throws Exception {
        DefaultLitePullConsumer c = new DefaultLitePullConsumer(group);
        c.setNamesrvAddr(ns);
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.subscribe(topic, expr);
        c.start();
        int n = 0;
        long end = System.currentTimeMillis() + seconds * 1000L;
        while (n < expect && System.currentTimeMillis() < end) {
            for (MessageExt m : c.poll(1000)) {
                System.out.println("GOT " + m.getTags() + " " + new String(m.getBody()));
                n++;
            }
        }
        System.out.println("CONSUMED " + n);
        c.shutdown();
    }
    // ---- JSON modes ------------------------------------------------------------------------

    /** Records every request code with the header serialization it went out in, and the
     *  serializations of the responses (the hook sees synchronous calls' responses only). */
    static final class Hook implements RPCHook {
        final Map<String, Integer> requests = new TreeMap<>();
        final Map<String, Integer> responses = new TreeMap<>();

        public synchronized void doBeforeRequest(String addr, RemotingCommand request) {
            requests.merge(request.getCode() + "/" + request.getSerializeTypeCurrentRPC(), 1, Integer::sum);
        }

        public synchronized void doAfterResponse(String addr, RemotingCommand request, RemotingCommand response) {
            if (response != null) {
                responses.merge(request.getCode() + "/" + response.getSerializeTypeCurrentRPC(), 1, Integer::sum);
            }
        }

        synchronized String summary() {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("requests", requests);
            o.put("responses", responses);
            return json(o);
        }
    }

    static final Hook HOOK = new Hook();

    static void config() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("serializeType", String.valueOf(RemotingCommand.getSerializeTypeConfigInThisServer()));
        o.put("sendSmartMsg", System.getProperty("org.apache.rocketmq.client.sendSmartMsg", "true"));
        System.out.println("CONFIG " + json(o));
    }

    /** Message number i: two keys, three user properties (one non-ASCII), a non-ASCII body; number
     *  0 gets a body over the client's 4 KiB compression threshold, so it travels compressed. */
    static Message message(String topic, String tag, String mode, int i) throws Exception {
        String body = mode + "-body-" + i + " \u00fcn\u00efc\u00f6d\u00e9 \u2713";
        if (i == 0) {
            StringBuilder big = new StringBuilder(body);
            while (big.length() < 6000) big.append(" 0123456789abcdef");
            body = big.toString();
        }
        Message m = new Message(topic, tag, body.getBytes("UTF-8"));
        m.setKeys(Arrays.asList("key-" + i, "alt-" + i));
        m.putUserProperty("seq", String.valueOf(i));
        m.putUserProperty("mode", mode);
        m.putUserProperty("text", "h\u00e9llo w\u00f6rld = \u2713 " + i);
        return m;
    }

    static void send(String ns, String topic, int perMode, String[] tags, String[] modes) throws Exception {
        DefaultMQProducer p = new DefaultMQProducer("probe_send_producer", HOOK);
        p.setNamesrvAddr(ns);
        p.setSendMsgTimeout(10000);
        p.start();
        int i = 0, ok = 0;
        for (String mode : modes) {
            List<Message> msgs = new ArrayList<>();
            for (int j = 0; j < perMode; j++, i++) msgs.add(message(topic, tags[i % tags.length], mode, i));
            switch (mode) {
                case "sync":
                    for (Message m : msgs) ok += sent(mode, m, p.send(m), null, 0);
                    break;
                case "async": {
                    CountDownLatch latch = new CountDownLatch(msgs.size());
                    SendResult[] results = new SendResult[msgs.size()];
                    for (int k = 0; k < msgs.size(); k++) {
                        final int n = k;
                        p.send(msgs.get(k), new SendCallback() {
                            public void onSuccess(SendResult r) {
                                results[n] = r;
                                latch.countDown();
                            }

                            public void onException(Throwable e) {
                                System.out.println("ASYNC-FAILED " + n + " " + e);
                                latch.countDown();
                            }
                        });
                    }
                    latch.await(30, TimeUnit.SECONDS);
                    for (int k = 0; k < msgs.size(); k++) {
                        if (results[k] != null) ok += sent(mode, msgs.get(k), results[k], null, 0);
                    }
                    break;
                }
                case "oneway":
                    for (Message m : msgs) {
                        p.sendOneway(m);
                        ok += sent(mode, m, null, null, 0);
                    }
                    break;
                case "batch": {
                    SendResult r = p.send(msgs);
                    // A batch's result lists every message's id, comma-separated, in order.
                    String[] ids = r.getMsgId().split(",");
                    String[] offsetIds = r.getOffsetMsgId() == null ? new String[0] : r.getOffsetMsgId().split(",");
                    for (int k = 0; k < msgs.size(); k++) {
                        Map<String, Object> extra = new LinkedHashMap<>();
                        extra.put("msgId", k < ids.length ? ids[k] : null);
                        extra.put("offsetMsgId", k < offsetIds.length ? offsetIds[k] : null);
                        extra.put("batchOffsetMsgIds", offsetIds.length);
                        ok += sent(mode, msgs.get(k), r, extra, k);
                    }
                    break;
                }
                default: throw new IllegalArgumentException(mode);
            }
        }
        System.out.println("PRODUCED " + ok);
        p.shutdown();
    }

    static LocalTransactionState answer(String code) {
        switch (code) {
            case "C": return LocalTransactionState.COMMIT_MESSAGE;
            case "R": return LocalTransactionState.ROLLBACK_MESSAGE;
            default: return LocalTransactionState.UNKNOW;
        }
    }

    static void transaction(String ns, String topic, String group, String[] plan, int minSeconds, int maxSeconds) throws Exception {
        Map<String, String[]> plans = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> checks = new ConcurrentHashMap<>();
        Set<String> resolved = ConcurrentHashMap.newKeySet();
        TransactionMQProducer p = new TransactionMQProducer(group, HOOK);
        p.setNamesrvAddr(ns);
        // Find a restarted broker (new port) and register with it quickly, for check-backs.
        p.setPollNameServerInterval(1000);
        p.setHeartbeatBrokerInterval(1000);
        p.setSendMsgTimeout(10000);
        p.setTransactionListener(new TransactionListener() {
            public LocalTransactionState executeLocalTransaction(Message m, Object arg) {
                String[] steps = ((String) arg).split("/");
                plans.put(m.getTransactionId(), steps);
                LocalTransactionState s = answer(steps[0]);
                if (s != LocalTransactionState.UNKNOW) resolved.add(m.getTransactionId());
                return s;
            }

            public LocalTransactionState checkLocalTransaction(MessageExt m) {
                String id = m.getTransactionId();
                String[] steps = plans.getOrDefault(id, new String[] {"U"});
                int n = checks.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                String code = steps[Math.min(n, steps.length - 1)];
                LocalTransactionState s = answer(code);
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("uniqKey", id);
                o.put("n", n);
                o.put("answer", code);
                o.put("topic", m.getTopic());
                o.put("queueId", m.getQueueId());
                o.put("queueOffset", m.getQueueOffset());
                o.put("commitLogOffset", m.getCommitLogOffset());
                o.put("offsetMsgId", m.getMsgId());
                o.put("body", new String(m.getBody(), java.nio.charset.StandardCharsets.UTF_8));
                o.put("checkTimes", m.getProperty("TRANSACTION_CHECK_TIMES"));
                System.out.println("CHECK " + json(o));
                if (s != LocalTransactionState.UNKNOW) resolved.add(id);
                return s;
            }
        });
        p.start();
        int expected = 0;
        for (int i = 0; i < plan.length; i++) {
            Message m = new Message(topic, "Tx", ("tx-" + i + " " + plan[i]).getBytes("UTF-8"));
            m.setKeys("txkey-" + i);
            m.putUserProperty("seq", String.valueOf(i));
            m.putUserProperty("plan", plan[i]);
            String last = plan[i].substring(plan[i].length() - 1);
            if (!last.equals("U")) expected++;
            TransactionSendResult r = p.sendMessageInTransaction(m, plan[i]);
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("local", String.valueOf(r.getLocalTransactionState()));
            extra.put("transactionId", r.getTransactionId());
            sentAs("TX", "transaction", m, r, extra, 0);
        }
        long start = System.currentTimeMillis();
        while (System.currentTimeMillis() - start < maxSeconds * 1000L
            && (System.currentTimeMillis() - start < minSeconds * 1000L || resolved.size() < expected)) {
            Thread.sleep(200);
        }
        System.out.println("RESOLVED " + resolved.size());
        p.shutdown();
    }

    static void ordered(String ns, String topic, String[] keys, int perKey) throws Exception {
        DefaultMQProducer p = new DefaultMQProducer("probe_ordered_producer", HOOK);
        p.setNamesrvAddr(ns);
        p.setSendMsgTimeout(10000);
        p.start();
        MessageQueueSelector byKey = (mqs, msg, arg) -> mqs.get(Math.floorMod(arg.hashCode(), mqs.size()));
        int ok = 0;
        for (int i = 0; i < perKey; i++) {
            for (String key : keys) {
                Message m = new Message(topic, "Ord", key, (key + "-" + i).getBytes("UTF-8"));
                m.putUserProperty("seq", String.valueOf(i));
                ok += sent("ordered", m, p.send(m, byKey, key), null, 0);
            }
        }
        System.out.println("PRODUCED " + ok);
        p.shutdown();
    }

    /** Prints "SEND {json}" for a sent message; 1 if it was accepted (oneway: handed over). */
    static int sent(String mode, Message m, SendResult r, Map<String, Object> extra, int batchIndex) throws Exception {
        return sentAs("SEND", mode, m, r, extra, batchIndex);
    }

    static int sentAs(String prefix, String mode, Message m, SendResult r, Map<String, Object> extra, int batchIndex) throws Exception {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("mode", mode);
        o.put("status", r == null ? null : String.valueOf(r.getSendStatus()));
        o.put("uniqKey", MessageClientIDSetter.getUniqID(m));
        o.put("msgId", r == null ? null : r.getMsgId());
        o.put("offsetMsgId", r == null ? null : r.getOffsetMsgId());
        o.put("brokerName", r == null ? null : r.getMessageQueue().getBrokerName());
        o.put("queueId", r == null ? null : r.getMessageQueue().getQueueId());
        o.put("queueOffset", r == null ? null : r.getQueueOffset() + batchIndex);
        if (extra != null) o.putAll(extra);
        fields(o, m);
        System.out.println(prefix + " " + json(o));
        return r == null || r.getSendStatus() == SendStatus.SEND_OK ? 1 : 0;
    }

    /** The fields a producer and a consumer both see. */
    static void fields(Map<String, Object> o, Message m) throws Exception {
        o.put("topic", m.getTopic());
        o.put("tags", m.getTags());
        o.put("keys", m.getKeys());
        o.put("body", new String(m.getBody(), "UTF-8"));
        Map<String, Object> props = new TreeMap<>();
        m.getProperties().forEach((k, v) -> {
            if (!MessageConst.STRING_HASH_SET.contains(k)) props.put(k, v);
        });
        o.put("props", props);
    }

    static void received(MessageExt m) {
        try {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("msgId", m.getMsgId());
            o.put("uniqKey", MessageClientIDSetter.getUniqID(m));
            o.put("offsetMsgId", m instanceof MessageClientExt ? ((MessageClientExt) m).getOffsetMsgId() : null);
            o.put("brokerName", m.getBrokerName());
            o.put("queueId", m.getQueueId());
            o.put("queueOffset", m.getQueueOffset());
            o.put("reconsumeTimes", m.getReconsumeTimes());
            o.put("thread", Thread.currentThread().getName());
            fields(o, m);
            o.put("allProps", new TreeMap<>(m.getProperties()));
            System.out.println("RECV " + json(o));
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    static void consume(String ns, String topic, String group, String expr, int expect, int seconds, boolean orderly) throws Exception {
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(group, HOOK, new AllocateMessageQueueAveragely());
        c.setNamesrvAddr(ns);
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.setPersistConsumerOffsetInterval(1000); // as in push(): commits before shutdown too
        c.subscribe(topic, expr);
        AtomicInteger n = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(expect);
        if (orderly) {
            c.registerMessageListener((MessageListenerOrderly) (msgs, ctx) -> {
                for (MessageExt m : msgs) {
                    received(m);
                    n.incrementAndGet();
                    done.countDown();
                }
                return ConsumeOrderlyStatus.SUCCESS;
            });
        } else {
            c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
                for (MessageExt m : msgs) {
                    received(m);
                    n.incrementAndGet();
                    done.countDown();
                }
                return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
            });
        }
        c.start();
        done.await(seconds, TimeUnit.SECONDS);
        Thread.sleep(1500); // anything beyond the expected count would show up here
        System.out.println("CONSUMED " + n.get());
        c.shutdown(); // persists the consumed offsets to the broker
    }

    /** Sends `count` messages with delay level `level`. */
    static void delayed(String ns, String topic, int count, int level) throws Exception {
        DefaultMQProducer p = new DefaultMQProducer("probe_delay_producer", HOOK);
        p.setNamesrvAddr(ns);
        p.setSendMsgTimeout(10000);
        p.start();
        int ok = 0;
        for (int i = 0; i < count; i++) {
            Message m = message(topic, "TagD", "delayed", i);
            m.setDelayTimeLevel(level);
            ok += sent("delayed", m, p.send(m), null, 0);
        }
        System.out.println("PRODUCED " + ok);
        p.shutdown();
    }

    /** A push consumer that answers RECONSUME_LATER to each message's first delivery and
     *  CONSUME_SUCCESS to its redelivery; prints every delivery with all its properties, and
     *  stops after `expect` redeliveries or `seconds`. */
    static void retry(String ns, String topic, String group, int expect, int seconds) throws Exception {
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(group, HOOK, new AllocateMessageQueueAveragely());
        c.setNamesrvAddr(ns);
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.setPersistConsumerOffsetInterval(1000);
        c.setConsumeMessageBatchMaxSize(1);
        c.subscribe(topic, "*");
        CountDownLatch done = new CountDownLatch(expect);
        c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            MessageExt m = msgs.get(0);
            receivedAll(m);
            if (m.getReconsumeTimes() == 0) return ConsumeConcurrentlyStatus.RECONSUME_LATER;
            done.countDown();
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        c.start();
        done.await(seconds, TimeUnit.SECONDS);
        System.out.println("REDELIVERED " + (expect - done.getCount()));
        c.shutdown();
    }

    /** [`received`] with every property, system ones included. */
    static void receivedAll(MessageExt m) {
        try {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("topic", m.getTopic());
            o.put("offsetMsgId", m instanceof MessageClientExt ? ((MessageClientExt) m).getOffsetMsgId() : null);
            o.put("reconsumeTimes", m.getReconsumeTimes());
            o.put("allProps", new TreeMap<>(m.getProperties()));
            System.out.println("RECV " + json(o));
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    static void pull(String ns, String topic, String group, String expr, int expect, int seconds) throws Exception {
        DefaultLitePullConsumer c = new DefaultLitePullConsumer(group, HOOK);
        c.setNamesrvAddr(ns);
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.subscribe(topic, expr);
        c.start();
        int n = 0;
        long end = System.currentTimeMillis() + seconds * 1000L;
        while (n < expect && System.currentTimeMillis() < end) {
            for (MessageExt m : c.poll(1000)) {
                received(m);
                n++;
            }
        }
        for (MessageExt m : c.poll(1000)) { // anything beyond the expected count
            received(m);
            n++;
        }
        System.out.println("CONSUMED " + n);
        c.shutdown();
    }

    /** Minimal JSON: strings (non-ASCII as \\u escapes, so the output is encoding-proof), numbers,
     *  null, maps and lists. */
    static String json(Object v) {
        StringBuilder b = new StringBuilder();
        json(b, v);
        return b.toString();
    }

    static void json(StringBuilder b, Object v) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof Number) {
            b.append(v);
        } else if (v instanceof Map) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (!first) b.append(',');
                first = false;
                json(b, String.valueOf(e.getKey()));
                b.append(':');
                json(b, e.getValue());
            }
            b.append('}');
        } else if (v instanceof Collection) {
            b.append('[');
            boolean first = true;
            for (Object e : (Collection<?>) v) {
                if (!first) b.append(',');
                first = false;
                json(b, e);
            }
            b.append(']');
        } else {
            String s = v.toString();
            b.append('"');
            for (int k = 0; k < s.length(); k++) {
                char ch = s.charAt(k);
                if (ch == '"' || ch == '\\') b.append('\\').append(ch);
                else if (ch < 0x20 || ch > 0x7e) b.append(String.format("\\u%04x", (int) ch));
                else b.append(ch);
            }
            b.append('"');
        }
    }

    /** Every delivery answered RECONSUME_LATER, so each message goes through the retry
     *  levels to the group's DLQ after maxReconsumeTimes redeliveries. */
    static void dlq(String ns, String topic, String group, int maxReconsume, int expect, int seconds) throws Exception {
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(group, HOOK, new AllocateMessageQueueAveragely());
        c.setNamesrvAddr(ns);
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.setPersistConsumerOffsetInterval(1000);
        c.setConsumeMessageBatchMaxSize(1);
        c.setMaxReconsumeTimes(maxReconsume);
        c.subscribe(topic, "*");
        AtomicInteger n = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(expect);
        c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            for (MessageExt m : msgs) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("at", System.currentTimeMillis());
                o.put("topic", m.getTopic());
                o.put("msgId", m.getMsgId());
                o.put("uniqKey", MessageClientIDSetter.getUniqID(m));
                o.put("reconsumeTimes", m.getReconsumeTimes());
                o.put("allProps", new TreeMap<>(m.getProperties()));
                System.out.println("DELIVERY " + json(o));
                n.incrementAndGet();
                done.countDown();
            }
            return ConsumeConcurrentlyStatus.RECONSUME_LATER;
        });
        c.start();
        // The group's retry topic appears with the first heartbeat or send-back, after the
        // consumer read its routes at start: read them again and rebalance now instead of at
        // the next route poll (30 s) or rebalance (20 s), so that redeliveries are timed by the
        // delay levels alone.
        Thread.sleep(1500);
        c.getDefaultMQPushConsumerImpl().getmQClientFactory().updateTopicRouteInfoFromNameServer();
        c.getDefaultMQPushConsumerImpl().getmQClientFactory().rebalanceImmediately();
        done.await(seconds, TimeUnit.SECONDS);
        Thread.sleep(2000); // the last delivery's send-back (to the DLQ) completes
        System.out.println("DELIVERED " + n.get());
        c.shutdown();
    }

    static void broadcast(String ns, String topic, String group, int expect, int seconds) throws Exception {
        Map<String, AtomicInteger> counts = new TreeMap<>();
        List<DefaultMQPushConsumer> consumers = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(2 * expect);
        for (String name : new String[] {"a", "b"}) {
            DefaultMQPushConsumer c = new DefaultMQPushConsumer(group, HOOK, new AllocateMessageQueueAveragely());
            c.setNamesrvAddr(ns);
            c.setInstanceName("broadcast-" + name);
            c.setMessageModel(org.apache.rocketmq.common.protocol.heartbeat.MessageModel.BROADCASTING);
            c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
            c.subscribe(topic, "*");
            AtomicInteger n = new AtomicInteger();
            counts.put(name, n);
            c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
                for (MessageExt m : msgs) {
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("consumer", name);
                    o.put("body", new String(m.getBody(), java.nio.charset.StandardCharsets.UTF_8));
                    o.put("tags", m.getTags());
                    o.put("keys", m.getKeys());
                    System.out.println("BRECV " + json(o));
                    if (n.incrementAndGet() <= expect) done.countDown();
                }
                return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
            });
            c.start();
            consumers.add(c);
        }
        done.await(seconds, TimeUnit.SECONDS);
        Thread.sleep(1500); // anything beyond the expected count would show up here
        Map<String, Object> o = new LinkedHashMap<>();
        counts.forEach((k, v) -> o.put(k, v.get()));
        System.out.println("BROADCAST " + json(o));
        for (DefaultMQPushConsumer c : consumers) c.shutdown();
    }

    // A producer under steady load through a failover: every answer and every failure is
    // logged with its time, so a test can tell when writes to a broker resumed and check that
    // every acknowledged message arrives.
    static void steady(String ns, String topic, int seconds, int pollMillis) throws Exception {
        DefaultMQProducer p = new DefaultMQProducer("probe_steady_producer");
        p.setNamesrvAddr(ns);
        p.setSendMsgTimeout(3000);
        p.setPollNameServerInterval(pollMillis);
        p.start();
        long end = System.currentTimeMillis() + seconds * 1000L;
        int acks = 0, errors = 0;
        for (int i = 0; System.currentTimeMillis() < end; i++) {
            Message m = new Message(topic, "steady", "skey-" + i, ("steady-" + i).getBytes("UTF-8"));
            try {
                SendResult r = p.send(m);
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("i", i);
                o.put("status", r.getSendStatus().toString());
                o.put("msgId", r.getMsgId());
                o.put("offsetMsgId", r.getOffsetMsgId());
                o.put("brokerName", r.getMessageQueue().getBrokerName());
                o.put("queueId", r.getMessageQueue().getQueueId());
                o.put("queueOffset", r.getQueueOffset());
                o.put("body", "steady-" + i);
                o.put("at", System.currentTimeMillis());
                StringBuilder b = new StringBuilder("ACK ");
                json(b, o);
                System.out.println(b);
                acks++;
            } catch (Exception e) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("i", i);
                o.put("at", System.currentTimeMillis());
                o.put("error", String.valueOf(e.getMessage()));
                StringBuilder b = new StringBuilder("ERR ");
                json(b, o);
                System.out.println(b);
                errors++;
                Thread.sleep(50);
            }
        }
        System.out.println("STEADY " + acks + " " + errors);
        p.shutdown();
    }

    /** Answers each request arriving on `topic` (see the header); stops after `expect` replies
     *  or `seconds`. */
    static void reply(String ns, String topic, String group, int expect, int seconds) throws Exception {
        DefaultMQProducer p = new DefaultMQProducer("probe_reply_producer", HOOK);
        p.setNamesrvAddr(ns);
        p.setSendMsgTimeout(10000);
        p.start();
        p.send(new Message(topic, "warmup", "warm-up".getBytes("UTF-8")));
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(group, HOOK, new AllocateMessageQueueAveragely());
        c.setNamesrvAddr(ns);
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.subscribe(topic, "*");
        CountDownLatch done = new CountDownLatch(expect);
        AtomicInteger n = new AtomicInteger();
        c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            for (MessageExt m : msgs) {
                if (m.getProperty(MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT) == null) continue;
                Map<String, Object> o = new LinkedHashMap<>();
                try {
                    String body = new String(m.getBody(), "UTF-8");
                    o.put("request", body);
                    Message r = org.apache.rocketmq.client.utils.MessageUtil.createReplyMessage(m, ("re:" + body).getBytes("UTF-8"));
                    SendResult sr = p.send(r, 10000);
                    o.put("status", sr.getSendStatus().toString());
                    o.put("replyTopic", r.getTopic());
                    n.incrementAndGet();
                } catch (Exception e) {
                    o.put("status", "ERROR");
                    o.put("remark", e.toString());
                }
                System.out.println("REPLIED " + json(o));
                done.countDown();
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        c.start();
        System.out.println("READY");
        done.await(seconds, TimeUnit.SECONDS);
        System.out.println("REPLIES " + n.get());
        c.shutdown();
        p.shutdown();
    }

    static void printReply(String mode, String request, Message reply) {
        try {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("mode", mode);
            o.put("request", request);
            o.put("topic", reply.getTopic());
            o.put("body", new String(reply.getBody(), "UTF-8"));
            if (reply instanceof MessageExt) {
                MessageExt m = (MessageExt) reply;
                o.put("bornHost", m.getBornHostString());
                o.put("storeHost", String.valueOf(m.getStoreHost()));
                o.put("queueId", m.getQueueId());
                o.put("flag", m.getFlag());
                o.put("reconsumeTimes", m.getReconsumeTimes());
                o.put("storeTimestamp", m.getStoreTimestamp());
            }
            o.put("allProps", new TreeMap<>(reply.getProperties()));
            System.out.println("REPLY " + json(o));
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    /** `sync` blocking request() calls, then `async` with a RequestCallback (see the header). */
    static void request(String ns, String topic, int sync, int async, int timeoutMs) throws Exception {
        DefaultMQProducer p = new DefaultMQProducer("probe_request_producer", HOOK);
        p.setNamesrvAddr(ns);
        p.setSendMsgTimeout(10000);
        p.start();
        AtomicInteger answered = new AtomicInteger();
        for (int i = 0; i < sync; i++) {
            String body = "sync-" + i;
            Message m = new Message(topic, "TagQ", body.getBytes("UTF-8"));
            m.putUserProperty("mode", "sync");
            try {
                Message reply = p.request(m, timeoutMs);
                printReply("sync", body, reply);
                answered.incrementAndGet();
            } catch (Exception e) {
                System.out.println("REQFAIL " + json(Map.of("mode", "sync", "request", body, "error", e.toString())));
            }
        }
        CountDownLatch done = new CountDownLatch(async);
        for (int i = 0; i < async; i++) {
            String body = "async-" + i;
            Message m = new Message(topic, "TagQ", body.getBytes("UTF-8"));
            m.putUserProperty("mode", "async");
            p.request(m, new RequestCallback() {
                public void onSuccess(Message reply) {
                    printReply("async", body, reply);
                    answered.incrementAndGet();
                    done.countDown();
                }

                public void onException(Throwable e) {
                    System.out.println("REQFAIL " + json(Map.of("mode", "async", "request", body, "error", e.toString())));
                    done.countDown();
                }
            }, timeoutMs);
        }
        done.await(timeoutMs + 5000L, TimeUnit.MILLISECONDS);
        System.out.println("ANSWERED " + answered.get());
        p.shutdown();
    }
}
