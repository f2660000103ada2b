//! JSON bodies (being written).
