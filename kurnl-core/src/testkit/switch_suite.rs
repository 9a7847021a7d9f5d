//! SwitchDriver conformance suite (being written).
