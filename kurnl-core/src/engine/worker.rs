//! Provisioning worker (being written).
