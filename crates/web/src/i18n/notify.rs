//! Words of notifications: the centre, preferences, channels and their administration.

/// (key, Vietnamese, English).
pub(super) const MESSAGES: &[(&str, &str, &str)] = &[];
