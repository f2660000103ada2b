// Drives an rmq namesrv + broker with the real Apache RocketMQ 4.9.8 Java client (run as a
// single-file source program: java -cp "$RMQ_JAVA_LIB/*" tests/java/ClientProbe.java ...).
//
//   produce <namesrv> <topic> <count> <tag,tag,...>  sync sends, tags round-robin; prints
//                                                   "SENT <n> <status> <queueId> <offset>" lines and "PRODUCED <n>"
//   batch <namesrv> <topic> <count>                  one batch send; prints "BATCH <status> <msgIds>"
//   push <namesrv> <topic> <group> <expr> <expect> <seconds>   push consumer from the first offset;
//                                                   prints "GOT <tag> <body>" and "CONSUMED <n>"
//   lite <namesrv> <topic> <group> <expr> <expect> <seconds>   lite pull consumer, same output
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import org.apache.rocketmq.client.consumer.*;
import org.apache.rocketmq.client.consumer.listener.*;
import org.apache.rocketmq.client.producer.*;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.*;

public class ClientProbe {
    public static void main(String[] a) throws Exception {
        switch (a[0]) {
            case "produce": produce(a[1], a[2], Integer.parseInt(a[3]), a[4].split(",")); break;
            case "batch": batch(a[1], a[2], Integer.parseInt(a[3])); break;
            case "push": push(a[1], a[2], a[3], a[4], Integer.parseInt(a[5]), Integer.parseInt(a[6])); break;
            case "lite": lite(a[1], a[2], a[3], a[4], Integer.parseInt(a[5]), Integer.parseInt(a[6])); break;
            default: throw new IllegalArgumentException(a[0]);
        }
        System.exit(0);
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
}
