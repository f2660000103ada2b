//! Arbitrary, truncated and oversized input never panics the frame decoder, and never makes it
//! buffer more than the frame limit.

use bytes::BytesMut;
use proptest::prelude::*;
use rmq::protocol::{decode_frame, ExtFields, RemotingCommand, RequestCode, SerializeType};

fn valid_frame(binary: bool) -> Vec<u8> {
    let mut ext = ExtFields::new();
    ext.insert("topic", "T");
    ext.insert("queueId", "1");
    let mut cmd = RemotingCommand::request(RequestCode::PULL_MESSAGE, ext).with_remark("r");
    if binary {
        cmd.serialize_type = SerializeType::RocketMq;
    }
    cmd.with_body(&b"xyz"[..]).to_bytes().to_vec()
}

/// Drains every decodable frame; errors end the stream like a closed connection would.
fn drain(bytes: &[u8]) {
    let mut buf = BytesMut::from(bytes);
    while let Ok(Some(_)) = decode_frame(&mut buf) {}
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        drain(&bytes);
    }

    #[test]
    fn mutated_valid_frames_never_panic(
        binary in any::<bool>(),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let mut frame = valid_frame(binary);
        for (pos, byte) in flips {
            let n = frame.len();
            frame[pos % n] = byte;
        }
        let cut = cut % (frame.len() + 1);
        drain(&frame[..cut]);
        drain(&frame);
    }
}

#[test]
fn oversized_length_is_rejected_before_buffering() {
    let mut buf = BytesMut::from(&[0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0][..]); // 16 MiB + 1
    assert!(decode_frame(&mut buf).is_err());
}

#[test]
fn header_lengths_past_the_frame_are_errors() {
    for binary in [false, true] {
        let mut frame = valid_frame(binary);
        frame[5..8].copy_from_slice(&[0xff, 0xff, 0xff]);
        assert!(decode_frame(&mut BytesMut::from(&frame[..])).is_err());
    }
}
