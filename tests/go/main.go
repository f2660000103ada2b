// goprobe drives a RocketMQ name server + broker (rmq's or Apache's Java ones) with the Apache
// RocketMQ Go client (github.com/apache/rocketmq-client-go/v2), the second client of the
// compatibility suite (tests/go_client.rs builds and runs it; tests/java/ClientProbe.java is the
// Java one, and the output format is the same). One command per process:
//
//	send <namesrv> <topic> <perMode> <tag,..> <mode,..>
//	    modes sync|async|oneway|batch, perMode messages each, tags round-robin over the global
//	    index; "SEND {json}" per message (mode, status, uniqKey, msgId, offsetMsgId, brokerName,
//	    queueId, queueOffset, topic, tags, keys, body, props = user properties), "PRODUCED <n>"
//	ordered <namesrv> <topic> <key,..> <perKey>
//	    sync sends through a QueueSelector picking queue (Java String.hashCode(key) mod the queue
//	    count), keys interleaved, bodies "<key>-<i>", seq numbering all; "SEND {json}", "PRODUCED <n>"
//	push <namesrv> <topic> <group> <TAG|SQL92> <expr> <expect> <seconds> <style>
//	    push consumer from the first offset; style concurrent | orderly | broadcast | retry | dlq
//	    (retry: answers ConsumeRetryLater to every first delivery, ConsumeSuccess to the
//	    redelivery, and <expect> counts redeliveries; dlq: answers ConsumeRetryLater to every
//	    delivery with maxReconsumeTimes 1, <expect> counts deliveries); "RECV {json}" per
//	    delivery, "CONSUMED <n>"
//	pull <namesrv> <topic> <group> <expect> <seconds>
//	    the pull consumer (Poll/ACK, Go's lite pull) with default options but the name server and
//	    group, subscribed to "*"; "RECV {json}", "CONSUMED <n>"
//	transaction <namesrv> <topic> <group> <plan,..> <minSeconds> <maxSeconds>
//	    transaction producer, one message per plan item: answers separated by '/', the local
//	    transaction's, then the 1st, 2nd... check-back's (the last repeats); C commit, R rollback,
//	    U unknown. "TX {json}" per message, "CHECK {json}" per check-back; waits at least
//	    minSeconds, then until every plan ending in C or R got that answer (at most maxSeconds);
//	    "RESOLVED <n>"
//
// JSON goes to stdout, one object a line; the client's own log (logrus) goes to stderr.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
)

func main() {
	a := os.Args[1:]
	if len(a) == 0 {
		fail("usage: goprobe <command> ...")
	}
	var err error
	switch a[0] {
	case "send":
		need(a, 6)
		err = send(a[1], a[2], atoi(a[3]), strings.Split(a[4], ","), strings.Split(a[5], ","))
	case "ordered":
		need(a, 5)
		err = ordered(a[1], a[2], strings.Split(a[3], ","), atoi(a[4]))
	case "push":
		need(a, 9)
		err = push(a[1], a[2], a[3], a[4], a[5], atoi(a[6]), atoi(a[7]), a[8])
	case "pull":
		need(a, 6)
		err = pull(a[1], a[2], a[3], atoi(a[4]), atoi(a[5]))
	case "transaction":
		need(a, 7)
		err = transaction(a[1], a[2], a[3], strings.Split(a[4], ","), atoi(a[5]), atoi(a[6]))
	default:
		fail("unknown command " + a[0])
	}
	if err != nil {
		fail(a[0] + ": " + err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "goprobe:", msg)
	os.Exit(1)
}

func need(a []string, n int) {
	if len(a) < n {
		fail(fmt.Sprintf("%s takes %d arguments", a[0], n-1))
	}
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		fail("not a number: " + s)
	}
	return n
}

var outMu sync.Mutex

// emit prints "<prefix> <json>" as one line (consumer callbacks run on several goroutines).
func emit(prefix string, v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		fail(err.Error())
	}
	outMu.Lock()
	defer outMu.Unlock()
	fmt.Printf("%s %s\n", prefix, b)
}

func line(format string, args ...interface{}) {
	outMu.Lock()
	defer outMu.Unlock()
	fmt.Printf(format+"\n", args...)
}

// systemProperties are the names Java's MessageConst.STRING_HASH_SET holds: everything else is
// a user property.
var systemProperties = map[string]bool{}

func init() {
	for _, p := range strings.Fields("TRACE_ON MSG_REGION KEYS TAGS WAIT DELAY RETRY_TOPIC REAL_TOPIC " +
		"REAL_QID TRAN_MSG PGROUP MIN_OFFSET MAX_OFFSET BUYER_ID ORIGIN_MESSAGE_ID TRANSFER_FLAG " +
		"CORRECTION_FLAG MQ2_FLAG RECONSUME_TIME UNIQ_KEY MAX_RECONSUME_TIMES CONSUME_START_TIME " +
		"INSTANCE_ID CORRELATION_ID REPLY_TO_CLIENT TTL ARRIVE_TIME PUSH_REPLY_TIME CLUSTER MSG_TYPE " +
		"INNER_MULTI_QUEUE_OFFSET") {
		systemProperties[p] = true
	}
}

func userProperties(m *primitive.Message) map[string]string {
	props := map[string]string{}
	for k, v := range m.GetProperties() {
		if !systemProperties[k] {
			props[k] = v
		}
	}
	return props
}

func allProperties(m *primitive.Message) map[string]string {
	props := map[string]string{}
	for k, v := range m.GetProperties() {
		props[k] = v
	}
	return props
}

func nameServer(ns string) primitive.NamesrvAddr {
	return primitive.NamesrvAddr(strings.Split(ns, ";"))
}

func newProducer(ns, group string, extra ...producer.Option) (rocketmq.Producer, error) {
	opts := append([]producer.Option{
		producer.WithNameServer(nameServer(ns)),
		producer.WithGroupName(group),
		producer.WithSendMsgTimeout(10 * time.Second),
		producer.WithRetry(2),
	}, extra...)
	p, err := rocketmq.NewProducer(opts...)
	if err != nil {
		return nil, err
	}
	return p, p.Start()
}

// message builds message number i: two keys, three user properties (one non-ASCII), a
// non-ASCII body; number 0 gets a body over the client's 4 KiB compression threshold.
func message(topic, tag, mode string, i int) *primitive.Message {
	body := fmt.Sprintf("%s-body-%d \u00fcn\u00efc\u00f6d\u00e9 \u2713", mode, i)
	if i == 0 {
		var b strings.Builder
		b.WriteString(body)
		for b.Len() < 6000 {
			b.WriteString(" 0123456789abcdef")
		}
		body = b.String()
	}
	m := primitive.NewMessage(topic, []byte(body))
	m.WithTag(tag)
	m.WithKeys([]string{"key-" + strconv.Itoa(i), "alt-" + strconv.Itoa(i)})
	m.WithProperty("seq", strconv.Itoa(i))
	m.WithProperty("mode", mode)
	m.WithProperty("text", fmt.Sprintf("h\u00e9llo w\u00f6rld = \u2713 %d", i))
	return m
}

var statusNames = map[primitive.SendStatus]string{
	primitive.SendOK:                "SEND_OK",
	primitive.SendFlushDiskTimeout:  "FLUSH_DISK_TIMEOUT",
	primitive.SendFlushSlaveTimeout: "FLUSH_SLAVE_TIMEOUT",
	primitive.SendSlaveNotAvailable: "SLAVE_NOT_AVAILABLE",
	primitive.SendUnknownError:      "UNKNOWN_ERROR",
}

// sent prints "<prefix> {json}" for a sent message (r nil: oneway) and returns 1 if it was
// accepted. A batch's result names the whole batch: offsetMsgId lists one id per message.
func sent(prefix, mode string, m *primitive.Message, r *primitive.SendResult, batchIndex int, extra map[string]interface{}) int {
	o := map[string]interface{}{
		"mode":    mode,
		"uniqKey": m.GetProperty(primitive.PropertyUniqueClientMessageIdKeyIndex),
		"topic":   m.Topic,
		"tags":    m.GetTags(),
		"keys":    m.GetKeys(),
		"body":    string(m.Body),
		"props":   userProperties(m),
	}
	ok := 1
	if r != nil {
		o["status"] = statusNames[r.Status]
		o["msgId"] = r.MsgID
		o["offsetMsgId"] = r.OffsetMsgID
		if mode == "batch" {
			ids := strings.Split(r.OffsetMsgID, ",")
			o["batchOffsetMsgIds"] = len(ids)
			if batchIndex < len(ids) {
				o["offsetMsgId"] = ids[batchIndex]
			}
		}
		if r.MessageQueue != nil {
			o["brokerName"] = r.MessageQueue.BrokerName
			o["queueId"] = r.MessageQueue.QueueId
		}
		o["queueOffset"] = r.QueueOffset + int64(batchIndex)
		if r.Status != primitive.SendOK {
			ok = 0
		}
	}
	for k, v := range extra {
		o[k] = v
	}
	emit(prefix, o)
	return ok
}

func send(ns, topic string, perMode int, tags, modes []string) error {
	p, err := newProducer(ns, "go_send_producer")
	if err != nil {
		return err
	}
	defer p.Shutdown()
	ctx := context.Background()
	i, ok := 0, 0
	for _, mode := range modes {
		msgs := make([]*primitive.Message, 0, perMode)
		for j := 0; j < perMode; j, i = j+1, i+1 {
			msgs = append(msgs, message(topic, tags[i%len(tags)], mode, i))
		}
		switch mode {
		case "sync":
			for _, m := range msgs {
				r, err := p.SendSync(ctx, m)
				if err != nil {
					return fmt.Errorf("sync send: %w", err)
				}
				ok += sent("SEND", mode, m, r, 0, nil)
			}
		case "async":
			results := make([]*primitive.SendResult, len(msgs))
			var wg sync.WaitGroup
			for k, m := range msgs {
				k := k
				wg.Add(1)
				err := p.SendAsync(ctx, func(_ context.Context, r *primitive.SendResult, err error) {
					defer wg.Done()
					if err != nil {
						line("ASYNC-FAILED %d %v", k, err)
						return
					}
					results[k] = r
				}, m)
				if err != nil {
					wg.Done()
					line("ASYNC-FAILED %d %v", k, err)
				}
			}
			if !waitGroup(&wg, 30*time.Second) {
				line("ASYNC-TIMEOUT")
			}
			for k, m := range msgs {
				if results[k] != nil {
					ok += sent("SEND", mode, m, results[k], 0, nil)
				}
			}
		case "oneway":
			for _, m := range msgs {
				if err := p.SendOneWay(ctx, m); err != nil {
					return fmt.Errorf("oneway send: %w", err)
				}
				ok += sent("SEND", mode, m, nil, 0, nil)
			}
		case "batch":
			r, err := p.SendSync(ctx, msgs...)
			if err != nil {
				return fmt.Errorf("batch send: %w", err)
			}
			for k, m := range msgs {
				ok += sent("SEND", mode, m, r, k, nil)
			}
		default:
			return fmt.Errorf("unknown mode %s", mode)
		}
	}
	line("PRODUCED %d", ok)
	return nil
}

func waitGroup(wg *sync.WaitGroup, limit time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(limit):
		return false
	}
}

// javaHash is Java's String.hashCode, so the queue a key lands in is the one the Java probe's
// selector picks.
func javaHash(s string) int32 {
	var h int32
	for _, c := range utf16Units(s) {
		h = 31*h + int32(c)
	}
	return h
}

func utf16Units(s string) []uint16 {
	var units []uint16
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			units = append(units, uint16(0xD800+(r>>10)), uint16(0xDC00+(r&0x3FF)))
		} else {
			units = append(units, uint16(r))
		}
	}
	return units
}

// byKey sends a message to the queue whose id is the hash of its sharding key modulo the queue
// count.
type byKey struct{}

func (byKey) Select(m *primitive.Message, mqs []*primitive.MessageQueue, _ string) *primitive.MessageQueue {
	n := int32(len(mqs))
	want := int(((javaHash(m.GetShardingKey()) % n) + n) % n)
	for _, q := range mqs {
		if q.QueueId == want {
			return q
		}
	}
	return mqs[want]
}

func ordered(ns, topic string, keys []string, perKey int) error {
	p, err := newProducer(ns, "go_ordered_producer", producer.WithQueueSelector(byKey{}))
	if err != nil {
		return err
	}
	defer p.Shutdown()
	ok, n := 0, 0
	for i := 0; i < perKey; i++ {
		for _, key := range keys {
			m := primitive.NewMessage(topic, []byte(fmt.Sprintf("%s-%d", key, i)))
			m.WithTag("Ord")
			m.WithKeys([]string{key})
			m.WithShardingKey(key)
			m.WithProperty("seq", strconv.Itoa(n))
			n++
			r, err := p.SendSync(context.Background(), m)
			if err != nil {
				return fmt.Errorf("ordered send: %w", err)
			}
			ok += sent("SEND", "ordered", m, r, 0, nil)
		}
	}
	line("PRODUCED %d", ok)
	return nil
}

// received prints what a consumer got.
func received(m *primitive.MessageExt, extra map[string]interface{}) {
	o := map[string]interface{}{
		"msgId":          m.MsgId,
		"uniqKey":        m.GetProperty(primitive.PropertyUniqueClientMessageIdKeyIndex),
		"offsetMsgId":    m.OffsetMsgId,
		"storeHost":      m.StoreHost,
		"queueOffset":    m.QueueOffset,
		"reconsumeTimes": m.ReconsumeTimes,
		"topic":          m.Topic,
		"tags":           m.GetTags(),
		"keys":           m.GetKeys(),
		"body":           string(m.Body),
		"props":          userProperties(&m.Message),
		"allProps":       allProperties(&m.Message),
		"at":             time.Now().UnixNano() / int64(time.Millisecond),
	}
	if m.Queue != nil {
		o["brokerName"] = m.Queue.BrokerName
		o["queueId"] = m.Queue.QueueId
	}
	for k, v := range extra {
		o[k] = v
	}
	emit("RECV", o)
}

func selector(kind, expr string) (consumer.MessageSelector, error) {
	switch kind {
	case "TAG":
		return consumer.MessageSelector{Type: consumer.TAG, Expression: expr}, nil
	case "SQL92":
		return consumer.MessageSelector{Type: consumer.SQL92, Expression: expr}, nil
	}
	return consumer.MessageSelector{}, fmt.Errorf("selector type %s: TAG or SQL92", kind)
}

func push(ns, topic, group, kind, expr string, expect, seconds int, style string) error {
	sel, err := selector(kind, expr)
	if err != nil {
		return err
	}
	opts := []consumer.Option{
		consumer.WithNameServer(nameServer(ns)),
		consumer.WithGroupName(group),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset),
	}
	switch style {
	case "concurrent":
	case "orderly":
		opts = append(opts, consumer.WithConsumerOrder(true))
	case "broadcast":
		opts = append(opts, consumer.WithConsumerModel(consumer.BroadCasting))
	case "retry":
		opts = append(opts, consumer.WithConsumeMessageBatchMaxSize(1), consumer.WithMaxReconsumeTimes(3))
	case "dlq":
		opts = append(opts, consumer.WithConsumeMessageBatchMaxSize(1), consumer.WithMaxReconsumeTimes(1))
	default:
		return fmt.Errorf("push style %s", style)
	}
	c, err := rocketmq.NewPushConsumer(opts...)
	if err != nil {
		return err
	}
	var n int64
	done := make(chan struct{})
	var once sync.Once
	count := func() {
		if atomic.AddInt64(&n, 1) == int64(expect) {
			once.Do(func() { close(done) })
		}
	}
	err = c.Subscribe(topic, sel, func(ctx context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		for _, m := range msgs {
			received(m, nil)
			if style == "retry" && m.ReconsumeTimes == 0 {
				return consumer.ConsumeRetryLater, nil
			}
			count()
			if style == "dlq" {
				return consumer.ConsumeRetryLater, nil
			}
		}
		return consumer.ConsumeSuccess, nil
	})
	if err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return err
	}
	if expect > 0 {
		select {
		case <-done:
		case <-time.After(time.Duration(seconds) * time.Second):
		}
	}
	time.Sleep(1500 * time.Millisecond) // anything beyond the expected count would show up here
	line("CONSUMED %d", atomic.LoadInt64(&n))
	return c.Shutdown() // persists the consumed offsets
}

func pull(ns, topic, group string, expect, seconds int) error {
	c, err := rocketmq.NewPullConsumer(
		consumer.WithNameServer(nameServer(ns)),
		consumer.WithGroupName(group),
	)
	if err != nil {
		return err
	}
	if err := c.Subscribe(topic, consumer.MessageSelector{Type: consumer.TAG, Expression: "*"}); err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return err
	}
	n := 0
	poll := func(until time.Time) {
		for time.Now().Before(until) {
			cr, err := c.Poll(context.Background(), time.Second)
			if consumer.IsNoNewMsgError(err) {
				if n >= expect {
					return
				}
				continue
			}
			if err != nil {
				line("POLL-ERROR %v", err)
				time.Sleep(200 * time.Millisecond)
				continue
			}
			for _, m := range cr.GetMsgList() {
				received(m, nil)
				n++
			}
			c.ACK(context.Background(), cr, consumer.ConsumeSuccess)
			if n >= expect {
				return
			}
		}
	}
	poll(time.Now().Add(time.Duration(seconds) * time.Second))
	poll(time.Now().Add(1500 * time.Millisecond)) // anything beyond the expected count
	line("CONSUMED %d", n)
	return c.Shutdown()
}

func answer(code string) primitive.LocalTransactionState {
	switch code {
	case "C":
		return primitive.CommitMessageState
	case "R":
		return primitive.RollbackMessageState
	}
	return primitive.UnkonwnState
}

type txListener struct {
	mu       sync.Mutex
	checks   map[string]int
	resolved map[string]bool
}

func (l *txListener) ExecuteLocalTransaction(m *primitive.Message) primitive.LocalTransactionState {
	steps := strings.Split(m.GetProperty("plan"), "/")
	s := answer(steps[0])
	if s != primitive.UnkonwnState {
		l.mu.Lock()
		l.resolved[m.GetProperty(primitive.PropertyUniqueClientMessageIdKeyIndex)] = true
		l.mu.Unlock()
	}
	return s
}

func (l *txListener) CheckLocalTransaction(m *primitive.MessageExt) primitive.LocalTransactionState {
	id := m.GetProperty(primitive.PropertyUniqueClientMessageIdKeyIndex)
	steps := strings.Split(m.GetProperty("plan"), "/")
	l.mu.Lock()
	l.checks[id]++
	n := l.checks[id]
	l.mu.Unlock()
	last := n
	if last > len(steps)-1 {
		last = len(steps) - 1
	}
	code := steps[last]
	s := answer(code)
	queueID := -1
	if m.Queue != nil {
		queueID = m.Queue.QueueId
	}
	emit("CHECK", map[string]interface{}{
		"uniqKey":         id,
		"n":               n,
		"answer":          code,
		"topic":           m.Topic,
		"queueId":         queueID,
		"queueOffset":     m.QueueOffset,
		"commitLogOffset": m.CommitLogOffset,
		"offsetMsgId":     m.OffsetMsgId,
		"body":            string(m.Body),
		"checkTimes":      m.GetProperty(primitive.PropertyTranscationCheckTimes),
		"props":           userProperties(&m.Message),
	})
	if s != primitive.UnkonwnState {
		l.mu.Lock()
		l.resolved[id] = true
		l.mu.Unlock()
	}
	return s
}

func transaction(ns, topic, group string, plans []string, minSeconds, maxSeconds int) error {
	l := &txListener{checks: map[string]int{}, resolved: map[string]bool{}}
	p, err := rocketmq.NewTransactionProducer(l,
		producer.WithNameServer(nameServer(ns)),
		producer.WithGroupName(group),
		producer.WithSendMsgTimeout(10*time.Second),
		producer.WithRetry(2),
	)
	if err != nil {
		return err
	}
	if err := p.Start(); err != nil {
		return err
	}
	defer p.Shutdown()
	expected := 0
	for i, plan := range plans {
		m := primitive.NewMessage(topic, []byte(fmt.Sprintf("tx-%d %s", i, plan)))
		m.WithTag("Tx")
		m.WithKeys([]string{"txkey-" + strconv.Itoa(i)})
		m.WithProperty("seq", strconv.Itoa(i))
		m.WithProperty("plan", plan)
		if !strings.HasSuffix(plan, "U") {
			expected++
		}
		r, err := p.SendMessageInTransaction(context.Background(), m)
		if err != nil {
			return fmt.Errorf("transaction send: %w", err)
		}
		states := map[primitive.LocalTransactionState]string{
			primitive.CommitMessageState:   "COMMIT_MESSAGE",
			primitive.RollbackMessageState: "ROLLBACK_MESSAGE",
			primitive.UnkonwnState:         "UNKNOW",
		}
		sent("TX", "transaction", m, r.SendResult, 0, map[string]interface{}{
			"local":         states[r.State],
			"transactionId": r.TransactionID,
		})
	}
	start := time.Now()
	for {
		l.mu.Lock()
		resolved := len(l.resolved)
		l.mu.Unlock()
		elapsed := time.Since(start)
		if elapsed >= time.Duration(maxSeconds)*time.Second ||
			(elapsed >= time.Duration(minSeconds)*time.Second && resolved >= expected) {
			line("RESOLVED %d", resolved)
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}
