// Java-side consume load for benches/compare.sh: a 4.9.8 push consumer (20 threads) draining a
// topic from the first offset until <count> messages arrived or <seconds> passed.
//   java -cp "$RMQ_JAVA_LIB/*" BenchConsumer.java <namesrv> <topic> <group> <count> <seconds>
// Prints one JSON line: {"received":..,"seconds":..,"tps":..}
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.*;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;

public class BenchConsumer {
    public static void main(String[] a) throws Exception {
        String ns = a[0], topic = a[1], group = a[2];
        long count = Long.parseLong(a[3]), seconds = Long.parseLong(a[4]);
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(group);
        c.setNamesrvAddr(ns);
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.setConsumeThreadMin(20);
        c.setConsumeThreadMax(20);
        c.setPullBatchSize(32);
        c.subscribe(topic, "*");
        AtomicLong n = new AtomicLong();
        AtomicLong first = new AtomicLong(), last = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            long now = System.nanoTime();
            first.compareAndSet(0, now);
            last.set(now);
            if (n.addAndGet(msgs.size()) >= count) done.countDown();
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        c.start();
        done.await(seconds, TimeUnit.SECONDS);
        double secs = Math.max(1e-9, (last.get() - first.get()) / 1e9);
        System.out.printf("{\"received\":%d,\"seconds\":%.2f,\"tps\":%.0f}%n", n.get(), secs, n.get() / secs);
        c.shutdown();
        System.exit(0);
    }
}
