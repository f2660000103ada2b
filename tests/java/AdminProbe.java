// Drives an rmq broker's admin requests with the real Apache RocketMQ 4.9.8 tools and client
// (run as a single-file source program: java -cp "$RMQ_JAVA_LIB/*" tests/java/AdminProbe.java ...).
//
//   mqadmin <command> <args...> [;; <command> <args...>]...
//       runs several mqadmin commands (MQAdminStartup.main0, exactly what bin/mqadmin runs) in
//       one JVM, so a test pays for one JVM start instead of one per command. Each command's
//       output is framed by "=== CMD <command>" and "=== END <command>" lines.
//   serve <namesrv> <topic> <group> <producerGroup> <count> <seconds>
//       starts a producer and a push consumer (from the first offset), sends <count> messages
//       and keeps both online until stdin closes or <seconds> pass. Prints
//       "CLIENT <consumer client id>", "SENT <i> <status> <queueId> <offsetMsgId>",
//       "GOT <queueId> <queueOffset> <body>" per delivery, "READY" once <count> messages were
//       consumed, and "CONSUMED <n>" at the end.
import java.io.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import org.apache.rocketmq.client.consumer.*;
import org.apache.rocketmq.client.consumer.listener.*;
import org.apache.rocketmq.client.producer.*;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.*;
import org.apache.rocketmq.tools.command.MQAdminStartup;

public class AdminProbe {
    public static void main(String[] a) throws Exception {
        switch (a[0]) {
            case "mqadmin": mqadmin(Arrays.copyOfRange(a, 1, a.length)); break;
            case "serve": serve(a[1], a[2], a[3], a[4], Integer.parseInt(a[5]), Integer.parseInt(a[6])); break;
            default: throw new IllegalArgumentException(a[0]);
        }
        System.out.flush();
        System.exit(0);
    }

    static void mqadmin(String[] args) {
        List<String> cmd = new ArrayList<>();
        for (int i = 0; i <= args.length; i++) {
            if (i == args.length || args[i].equals(";;")) {
                if (!cmd.isEmpty()) {
                    System.out.println("=== CMD " + cmd.get(0));
                    System.out.flush();
                    MQAdminStartup.main0(cmd.toArray(new String[0]), null);
                    System.out.println();
                    System.out.println("=== END " + cmd.get(0));
                    System.out.flush();
                }
                cmd.clear();
            } else {
                cmd.add(args[i]);
            }
        }
    }

    static void serve(String ns, String topic, String group, String producerGroup, int count, int seconds) throws Exception {
        DefaultMQProducer p = new DefaultMQProducer(producerGroup);
        p.setNamesrvAddr(ns);
        p.setSendMsgTimeout(10000);
        p.start();

        DefaultMQPushConsumer c = new DefaultMQPushConsumer(group);
        c.setNamesrvAddr(ns);
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        // Offsets reach the broker every second (default: first after 10 s), so the commands
        // run after READY (consumerProgress needs at least one committed offset) see them.
        c.setPersistConsumerOffsetInterval(1000);
        c.subscribe(topic, "*");
        AtomicInteger n = new AtomicInteger();
        CountDownLatch ready = new CountDownLatch(count);
        c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            for (MessageExt m : msgs) {
                System.out.println("GOT " + m.getQueueId() + " " + m.getQueueOffset() + " " + new String(m.getBody()));
                n.incrementAndGet();
                ready.countDown();
            }
            System.out.flush();
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        c.start();
        System.out.println("CLIENT " + c.buildMQClientId());

        for (int i = 0; i < count; i++) {
            Message m = new Message(topic, "TagA", "key-" + i, ("admin-body-" + i).getBytes("UTF-8"));
            SendResult r = p.send(m);
            System.out.println("SENT " + i + " " + r.getSendStatus() + " " + r.getMessageQueue().getQueueId() + " " + r.getOffsetMsgId());
        }
        System.out.flush();
        if (ready.await(seconds, TimeUnit.SECONDS)) {
            Thread.sleep(1500); // one offset commit after the last message
            System.out.println("READY");
            System.out.flush();
        }

        // Stay online until the test closes stdin (or the deadline passes).
        Thread stdin = new Thread(() -> {
            try {
                while (System.in.read() >= 0) { }
            } catch (IOException e) { }
        });
        stdin.setDaemon(true);
        stdin.start();
        stdin.join(seconds * 1000L);

        System.out.println("CONSUMED " + n.get());
        System.out.flush();
        c.shutdown();
        p.shutdown();
    }
}
