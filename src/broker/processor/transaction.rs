//! END_TRANSACTION (37), from the producer after its local transaction or from its answer to a
//! CHECK_TRANSACTION_STATE (Java `EndTransactionProcessor`): commit stores the half message in
//! its real topic and queue, then the op message; rollback writes the op message only; an
//! unknown state (NOT_TYPE) is left for the check service and gets no response at all.
//! RESUME_CHECK_HALF_MESSAGE (323) puts a half message back for checking with its check count
//! reset. The store work is `broker::transaction`'s.

use crate::broker::controller::Broker;
use crate::broker::transaction::{EndError, StoredMessage};
use crate::common::message::decode_offset_msg_id;
use crate::common::message::{property, sys_flag};
use crate::config::BrokerRole;
use crate::net::Outcome;
use crate::net::{success, Connection, Failure};
use crate::protocol::header::{EndTransactionRequestHeader, ResumeCheckHalfMessageRequestHeader};
use crate::protocol::{CommandHeader, RemotingCommand, ResponseCode};

/// END_TRANSACTION. `Ok(None)`: no response, as Java answers none for an unknown state (the
/// client sends this request oneway anyway).
pub(super) fn end_transaction(
    broker: &Broker,
    conn: &Connection,
    req: &RemotingCommand,
) -> Result<Option<RemotingCommand>, Failure> {
    let header = EndTransactionRequestHeader::from_command(req)?;
    if broker.role() == BrokerRole::Slave {
        return Err(Failure::new(
            ResponseCode::SLAVE_NOT_AVAILABLE,
            "this broker is a slave: END_TRANSACTION goes to its master",
        ));
    }
    let from_check = header.from_transaction_check.unwrap_or(false);
    let state = match header.commit_or_rollback {
        sys_flag::TRANSACTION_COMMIT => "COMMIT",
        sys_flag::TRANSACTION_ROLLBACK => "ROLLBACK",
        other => {
            tracing::debug!(
                peer = %conn.peer_addr(),
                from_check,
                state = other,
                msg_id = %header.msg_id,
                remark = req.remark.as_deref().unwrap_or(""),
                "END_TRANSACTION without a final state: left for the check service"
            );
            return Ok(None);
        }
    };
    // Java logs these two (a producer's commit is the common case and is not logged).
    if from_check || state == "ROLLBACK" {
        let remark = req.remark.as_deref().unwrap_or("");
        let (peer, msg_id, offset) = (conn.peer_addr(), &header.msg_id, header.commit_log_offset);
        if from_check {
            tracing::info!(%peer, state, %msg_id, commit_log_offset = offset, remark, "END_TRANSACTION from a check-back");
        } else {
            tracing::info!(%peer, state, %msg_id, commit_log_offset = offset, remark, "END_TRANSACTION");
        }
    }
    let half = broker
        .half_message(header.commit_log_offset)
        .map_err(end_failure)?;
    check_half(&half, &header)?;
    if header.commit_or_rollback == sys_flag::TRANSACTION_COMMIT {
        broker.commit_half(&half).map_err(end_failure)?;
    }
    // Java ignores a failed op write here (the check service will ask again).
    let _ = broker.put_op_message(half.queue_id, half.queue_offset);
    Ok(Some(success(req)))
}

/// Java `checkPrepareMessage`: the half must be the producer group's, at the offsets the
/// request names.
fn check_half(half: &StoredMessage, header: &EndTransactionRequestHeader) -> Result<(), Failure> {
    if half.property(property::PGROUP) != Some(header.producer_group.as_str()) {
        return Err(Failure::system("The producer group wrong"));
    }
    if half.queue_offset != header.tran_state_table_offset {
        return Err(Failure::system("The transaction state table offset wrong"));
    }
    if half.phys_offset != header.commit_log_offset {
        return Err(Failure::system("The commit log offset wrong"));
    }
    Ok(())
}

fn end_failure(e: EndError) -> Failure {
    match e {
        EndError::Put(put) => super::send::put_failure(put),
        other => Failure::system(other.to_string()),
    }
}

/// RESUME_CHECK_HALF_MESSAGE: `msgId` is an offset message id of this broker; the message
/// there goes back to the half queue with `TRANSACTION_CHECK_TIMES=0`. Java's two remarks:
/// one when the put fails, one for anything else (an id that does not decode, no message
/// there).
pub(super) fn resume_check_half_message(broker: &Broker, req: &RemotingCommand) -> Outcome {
    const PUT_FAILED: &str = "Put message back to RMQ_SYS_TRANS_HALF_TOPIC failed.";
    const EXCEPTION: &str =
        "Exception was thrown when putting message back to RMQ_SYS_TRANS_HALF_TOPIC.";
    let header = ResumeCheckHalfMessageRequestHeader::from_command(req)?;
    let Some((_, offset)) = header
        .msg_id
        .as_deref()
        .and_then(|id| decode_offset_msg_id(id).ok())
    else {
        tracing::error!(msg_id = ?header.msg_id, "{EXCEPTION} (the msgId does not decode)");
        return Err(Failure::system(EXCEPTION));
    };
    match broker.resume_check_half(offset) {
        Ok(ok) => {
            tracing::info!(
                commit_log_offset = offset,
                half_offset = ok.phys_offset,
                "Put message back to RMQ_SYS_TRANS_HALF_TOPIC."
            );
            Ok(success(req))
        }
        Err(EndError::HalfNotFound) => {
            tracing::error!(commit_log_offset = offset, "{EXCEPTION} (no message there)");
            Err(Failure::system(EXCEPTION))
        }
        Err(e) => {
            tracing::error!(commit_log_offset = offset, "{PUT_FAILED} {e}");
            Err(Failure::system(PUT_FAILED))
        }
    }
}
