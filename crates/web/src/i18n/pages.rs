//! Words of the frame of every page: navigation, error pages, forms, dates and plurals.

/// (key, Vietnamese, English).
pub(super) const MESSAGES: &[(&str, &str, &str)] = &[];
