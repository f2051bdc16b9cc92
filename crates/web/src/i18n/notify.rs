//! Words of notifications: the centre, preferences, channels and their administration.

/// (key, Vietnamese, English).
pub(super) const MESSAGES: &[(&str, &str, &str)] = &[
    ("notifications.title", "Thông báo", "Notifications"),
    ("notifications.all", "Tất cả", "All"),
    ("notifications.unread", "Chưa đọc", "Unread"),
    ("notifications.read_all", "Đánh dấu tất cả là đã đọc", "Mark all as read"),
    ("notifications.empty", "Chưa có thông báo nào.", "No notifications yet."),
    ("notifications.urgent", "Khẩn", "Urgent"),
    ("notifications.open", "Mở", "Open"),
    ("notifications.new", "Mới", "New"),
    ("notifications.older", "Thông báo cũ hơn", "Older notifications"),
    ("notifications.channels", "Cách nhận thông báo", "How you are notified"),
    (
        "notifications.preferences",
        "Chọn loại thông báo nhận qua thư điện tử và thông báo đẩy",
        "Choose what reaches you by e-mail and push",
    ),
    ("notifications.push_enable", "Nhận thông báo đẩy trên thiết bị này", "Get push notifications on this device"),
    ("notifications.live_new", "Thông báo mới", "New notification"),
    ("nav.notifications", "Thông báo", "Notifications"),
    ("nav.unread_label", "chưa đọc", "unread"),
    ("nav.open_label", "đang chờ", "waiting"),
    ("prefs.title", "Cách nhận thông báo", "Notification settings"),
    ("prefs.kind", "Loại thông báo", "Kind"),
    ("prefs.mandatory", "bắt buộc", "mandatory"),
    ("prefs.digest_hour", "Giờ gửi thư tổng hợp hằng ngày", "Hour of the daily digest"),
    ("prefs.quiet_from", "Giờ yên lặng từ", "Quiet hours from"),
    ("prefs.quiet_to", "đến", "to"),
    (
        "prefs.quiet_hint",
        "Trong giờ yên lặng chỉ văn bản Thượng khẩn, Hỏa tốc được gửi ngay.",
        "In quiet hours only Very urgent and Flash items are sent at once.",
    ),
    ("prefs.none", "Không đặt", "None"),
    ("prefs.save", "Lưu", "Save"),
];
