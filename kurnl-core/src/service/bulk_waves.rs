//! The order in which a batch's entries may run concurrently.
//!
//! Entries that name the same subscriber (email), place (location hash) or external
//! subscription id decide each other's outcome: the earlier entry must win, as if the batch ran
//! one entry after another. Every other pair is independent. Entries are therefore grouped into
//! waves: an entry runs in the wave after the latest wave of any earlier entry it shares a key
//! with, and the entries of one wave run concurrently (their writes share group commits).

use std::collections::HashMap;

use serde_json::Value;

/// The keys by which two batch entries can collide. Values are compared as the stores compare
/// them: emails and hashes case-insensitively, trimmed.
fn keys(request: &Value) -> impl Iterator<Item = (&'static str, String)> + '_ {
    ["email", "location_hash", "external_subscription_id"]
        .into_iter()
        .filter_map(move |field| {
            let value = request.get(field)?.as_str()?.trim();
            (!value.is_empty()).then(|| (field, value.to_lowercase()))
        })
}

/// Splits `requests` (in batch order) into waves of indexes into `requests`: every entry
/// comes after every earlier entry it shares a key with, and the indexes inside a wave keep
/// batch order.
pub(crate) fn waves(requests: &[&Value]) -> Vec<Vec<usize>> {
    let mut last_wave_of_key: HashMap<(&'static str, String), usize> = HashMap::new();
    let mut waves: Vec<Vec<usize>> = Vec::new();
    for (index, request) in requests.iter().enumerate() {
        let keys: Vec<_> = keys(request).collect();
        let wave = keys
            .iter()
            .filter_map(|k| last_wave_of_key.get(k).map(|w| w + 1))
            .max()
            .unwrap_or(0);
        for key in keys {
            last_wave_of_key.insert(key, wave);
        }
        if waves.len() <= wave {
            waves.resize_with(wave + 1, Vec::new);
        }
        waves[wave].push(index);
    }
    waves
}

#[cfg(test)]
mod tests {
    use super::waves;
    use serde_json::json;

    #[test]
    fn independent_entries_share_one_wave() {
        let a = json!({"email": "a@x.io", "location_hash": "h1"});
        let b = json!({"email": "b@x.io", "location_hash": "h2"});
        let c = json!({"email": "c@x.io", "location_hash": "h3"});
        assert_eq!(waves(&[&a, &b, &c]), vec![vec![0, 1, 2]]);
    }

    #[test]
    fn a_shared_key_puts_the_later_entry_in_a_later_wave() {
        let a = json!({"email": "a@x.io", "location_hash": "h1"});
        let b = json!({"email": "b@x.io", "location_hash": "H1 "});
        let c = json!({"email": "A@X.io", "location_hash": "h9"});
        let d = json!({"email": "d@x.io", "location_hash": "h4"});
        let e = json!({"email": "b@x.io", "external_subscription_id": "e"});
        // b waits for a (same place), c for a (same email), e for b (same email).
        assert_eq!(
            waves(&[&a, &b, &c, &d, &e]),
            vec![vec![0, 3], vec![1, 2], vec![4]]
        );
    }

    #[test]
    fn entries_without_keys_or_with_junk_run_in_the_first_wave() {
        let a = json!({"email": 7});
        let b = json!("not an object");
        let c = json!({"email": ""});
        let d = json!({});
        assert_eq!(waves(&[&a, &b, &c, &d]), vec![vec![0, 1, 2, 3]]);
    }
}
