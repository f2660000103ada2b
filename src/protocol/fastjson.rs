//! fastjson-tolerant JSON (being written).
