//! Words of the one inbox, the list of what one passed on, the home dashboard and handling.

/// (key, Vietnamese, English).
pub(super) const MESSAGES: &[(&str, &str, &str)] = &[];
