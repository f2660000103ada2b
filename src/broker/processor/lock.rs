//! Queue locks for orderly consumption: LOCK_BATCH_MQ (41) and UNLOCK_BATCH_MQ (42), over the
//! broker's [`QueueLocks`](crate::broker::queue_locks::QueueLocks).

use crate::broker::controller::Broker;
use crate::net::{success, Failure, Outcome};
use crate::protocol::body::{LockBatchRequestBody, LockBatchResponseBody, UnlockBatchRequestBody};
use crate::protocol::RemotingCommand;

pub(super) fn lock_batch_mq(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let body = LockBatchRequestBody::from_json(&req.body)
        .map_err(|e| Failure::system(format!("bad lock body: {e}")))?;
    let locked = broker
        .queue_locks
        .lock(&body.consumer_group, &body.client_id, &body.mq_set);
    let response = LockBatchResponseBody {
        lock_ok_mq_set: locked,
    };
    Ok(success(req).with_body(response.to_json()))
}

pub(super) fn unlock_batch_mq(broker: &Broker, req: &RemotingCommand) -> Outcome {
    let body = UnlockBatchRequestBody::from_json(&req.body)
        .map_err(|e| Failure::system(format!("bad unlock body: {e}")))?;
    broker
        .queue_locks
        .unlock(&body.consumer_group, &body.client_id, &body.mq_set);
    Ok(success(req))
}
