//! How a daemon answers a request: [`success`], or a [`Failure`] (a response code and remark)
//! that a handler returns with `?` and the dispatcher turns into the response. Both daemons'
//! request processors are written as functions returning an [`Outcome`].

use crate::protocol::{ProtocolError, RemotingCommand, ResponseCode};

/// A request that failed: the response code and remark to answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: ResponseCode,
    pub remark: String,
    /// The request itself could not be read (a header or body that does not decode): the
    /// client is at fault, which the dispatcher logs louder than an ordinary refusal.
    pub malformed: bool,
}

impl Failure {
    pub fn new(code: ResponseCode, remark: impl Into<String>) -> Failure {
        Failure {
            code,
            remark: remark.into(),
            malformed: false,
        }
    }

    /// A SYSTEM_ERROR with `remark`.
    pub fn system(remark: impl Into<String>) -> Failure {
        Failure::new(ResponseCode::SYSTEM_ERROR, remark)
    }

    /// The response to `request` carrying this code and remark.
    pub fn into_response(self, request: &RemotingCommand) -> RemotingCommand {
        RemotingCommand::response_to(request, self.code).with_remark(self.remark)
    }
}

/// A header or body that does not decode is answered SYSTEM_ERROR with the decoder's text,
/// which names the header and the field (Java would fail later with a NullPointerException).
impl From<ProtocolError> for Failure {
    fn from(e: ProtocolError) -> Failure {
        Failure {
            malformed: true,
            ..Failure::system(e.to_string())
        }
    }
}

/// What a request processor returns: the response, or the failure to answer with.
pub type Outcome = Result<RemotingCommand, Failure>;

/// A bare SUCCESS response to `request`.
pub fn success(request: &RemotingCommand) -> RemotingCommand {
    RemotingCommand::response_to(request, ResponseCode::SUCCESS)
}

/// The answer to a request code nobody handles, worded as the Java broker words it.
pub fn not_supported(request: &RemotingCommand) -> RemotingCommand {
    RemotingCommand::response_to(request, ResponseCode::REQUEST_CODE_NOT_SUPPORTED)
        .with_remark(format!(" request type {} not supported", request.code))
}
