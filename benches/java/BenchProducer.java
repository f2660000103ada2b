// Java-side load for benches/compare.sh: the Apache RocketMQ 4.9.8 client sending sync messages
// from N threads (as the Java benchmark Producer does; that tool is not on Maven Central).
//   java -cp "$RMQ_JAVA_LIB/*" BenchProducer.java <namesrv> <topic> <threads> <size> <seconds>
// Prints one JSON line: {"sent":..,"errors":..,"seconds":..,"tps":..,"p50Us":..,"p99Us":..,"maxUs":..}
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import org.apache.rocketmq.client.producer.*;
import org.apache.rocketmq.common.message.Message;

public class BenchProducer {
    public static void main(String[] a) throws Exception {
        String ns = a[0], topic = a[1];
        int threads = Integer.parseInt(a[2]), size = Integer.parseInt(a[3]);
        long seconds = Long.parseLong(a[4]);
        DefaultMQProducer p = new DefaultMQProducer("java_bench_producer");
        p.setNamesrvAddr(ns);
        p.setCompressMsgBodyOverHowmuch(Integer.MAX_VALUE);
        p.start();
        byte[] body = new byte[size];
        Arrays.fill(body, (byte) 'x');
        AtomicLong sent = new AtomicLong(), errors = new AtomicLong();
        ConcurrentLinkedQueue<long[]> lat = new ConcurrentLinkedQueue<>();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            pool.submit(() -> {
                long[] mine = new long[1 << 20];
                int n = 0;
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    try {
                        SendResult r = p.send(new Message(topic, body));
                        if (r.getSendStatus() == SendStatus.SEND_OK) sent.incrementAndGet(); else errors.incrementAndGet();
                    } catch (Exception e) { errors.incrementAndGet(); }
                    if (n < mine.length) mine[n++] = (System.nanoTime() - t0) / 1000;
                }
                lat.add(Arrays.copyOf(mine, n));
                return null;
            });
        }
        long start = System.nanoTime();
        pool.shutdown();
        pool.awaitTermination(seconds + 60, TimeUnit.SECONDS);
        double secs = (System.nanoTime() - start) / 1e9;
        long[] all = lat.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        long p50 = all.length == 0 ? 0 : all[(int) (all.length * 0.5)];
        long p99 = all.length == 0 ? 0 : all[Math.min(all.length - 1, (int) (all.length * 0.99))];
        long max = all.length == 0 ? 0 : all[all.length - 1];
        System.out.printf("{\"sent\":%d,\"errors\":%d,\"seconds\":%.2f,\"tps\":%.0f,\"p50Us\":%d,\"p99Us\":%d,\"maxUs\":%d}%n",
            sent.get(), errors.get(), secs, sent.get() / secs, p50, p99, max);
        p.shutdown();
        System.exit(0);
    }
}
