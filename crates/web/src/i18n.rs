//! The words of the interface, in Vietnamese (the default) and English.

use std::collections::HashMap;
use std::sync::LazyLock;

use egov_domain::Lang;

/// (key, Vietnamese, English).
const MESSAGES: &[(&str, &str, &str)] = &[
    ("inbox.title", "Việc cần xử lý", "My inbox"),
    ("inbox.open", "Đang chờ", "Open"),
    ("inbox.done", "Đã xong", "Done"),
    ("inbox.to_register", "Văn bản chờ vào sổ", "Waiting to be registered"),
    ("inbox.empty", "Không có việc nào đang chờ.", "Nothing is waiting for you."),
    ("kind.present", "Trình", "Presented"),
    ("kind.assignment", "Giao xử lý", "Assigned"),
    ("kind.inform", "Để biết", "For information"),
    ("kind.returned", "Bị trả lại", "Returned"),
    ("kind.finished", "Đã hoàn thành", "Finished"),
    ("kind.consult", "Xin ý kiến", "Comments requested"),
    ("kind.consult_answered", "Đã cho ý kiến", "Comments received"),
    ("kind.approve", "Chờ duyệt", "To approve"),
    ("kind.issue", "Chờ phát hành", "To issue"),
    ("kind.to_register", "Chờ vào sổ", "To register"),
    ("kind.delivered", "Văn bản đến đơn vị", "Delivered"),
    ("kind.message", "Tin nhắn", "Message"),
    ("status.to_register", "Chờ vào sổ", "Waiting to be registered"),
    ("status.registering", "Đang vào sổ", "Registering"),
    ("status.registered", "Đã vào sổ", "Registered"),
    ("status.presented", "Đã trình", "Presented"),
    ("status.in_progress", "Đang xử lý", "In progress"),
    ("status.done", "Đã xử lý xong", "Done"),
    ("status.refused", "Đã từ chối", "Refused"),
    ("status.revoked", "Đã thu hồi", "Revoked"),
    ("status.draft", "Dự thảo", "Draft"),
    ("status.in_approval", "Đang trình duyệt", "In approval"),
    ("status.returned", "Bị trả lại", "Returned"),
    ("status.approved", "Đã duyệt, chờ phát hành", "Approved, to issue"),
    ("status.issuing", "Đang phát hành", "Issuing"),
    ("status.issued", "Đã phát hành", "Issued"),
    ("status.replaced", "Đã bị thay thế", "Replaced"),
    ("role.present", "Trình", "Presented"),
    ("role.lead", "Chủ trì", "Lead"),
    ("role.cooperate", "Phối hợp", "Cooperating"),
    ("role.inform", "Để biết", "For information"),
    ("astatus.open", "đang xử lý", "open"),
    ("astatus.passed", "đã chuyển tiếp", "passed on"),
    ("astatus.returned", "đã trả lại", "returned"),
    ("astatus.done", "đã xong", "done"),
    ("rstatus.pending", "chưa gửi", "not sent"),
    ("rstatus.delivered", "đã gửi đến", "delivered"),
    ("rstatus.registered", "đã vào sổ", "registered"),
    ("rstatus.refused", "từ chối", "refused"),
    ("rstatus.queued", "đang gửi qua trục liên thông", "queued for the exchange"),
    ("event.registered", "vào sổ", "registered"),
    ("event.presented", "trình", "presented"),
    ("event.assigned", "phân công", "assigned"),
    ("event.passed_on", "chuyển xử lý", "passed on"),
    ("event.returned", "trả lại", "returned"),
    ("event.opinion", "cho ý kiến", "commented"),
    ("event.progress", "cập nhật tiến độ", "updated progress"),
    ("event.finished", "hoàn thành", "finished"),
    ("event.drafted", "tạo dự thảo", "drafted"),
    ("event.revised", "sửa dự thảo", "revised"),
    ("event.consult_requested", "xin ý kiến", "asked for comments"),
    ("event.consult_answered", "góp ý", "commented on the draft"),
    ("event.submitted", "trình duyệt", "submitted for approval"),
    ("event.approved_step", "duyệt, chuyển tiếp", "approved and passed on"),
    ("event.approved", "duyệt", "approved"),
    ("event.returned_draft", "trả lại dự thảo", "returned the draft"),
    ("event.issued", "phát hành", "issued"),
    ("event.revoked", "thu hồi", "revoked"),
    ("event.replaced", "thay thế", "replaced"),
    ("event.refused", "từ chối nhận", "refused"),
    ("event.received", "gửi đến", "delivered"),
    ("event.sent", "gửi", "sent"),
    ("doc.deadline", "Hạn xử lý", "Deadline"),
    ("doc.overdue", "Quá hạn", "Overdue"),
    ("doc.sender", "Cơ quan gửi", "Sending agency"),
    ("doc.sender_code", "Mã định danh cơ quan gửi", "Sender's identifier code"),
    ("doc.number_notation", "Số, ký hiệu", "Number and notation"),
    ("doc.issued_on", "Ngày văn bản", "Document date"),
    ("doc.type", "Loại văn bản", "Document type"),
    ("doc.subject", "Trích yếu", "Subject"),
    ("doc.urgency", "Độ khẩn", "Urgency"),
    ("doc.secrecy", "Độ mật", "Secrecy"),
    ("doc.deadline_days", "Hạn xử lý (số ngày làm việc)", "Deadline (working days)"),
    ("doc.page_count", "Số trang", "Pages"),
    ("doc.signer", "Người ký", "Signed by"),
    ("doc.files", "Tệp đính kèm", "Files"),
    ("doc.arrival_number", "Số đến", "Arrival number"),
    ("doc.book_number", "Số văn bản", "Number"),
    ("doc.recipients", "Nơi nhận", "Recipients"),
    ("doc.revoked", "Lý do thu hồi", "Reason for revocation"),
    ("doc.pages", "trang", "pages"),
    ("doc.present", "Trình lãnh đạo", "Present to a leader"),
    ("doc.leader", "Lãnh đạo", "Leader"),
    ("doc.note", "Ghi chú", "Note"),
    ("doc.assign", "Phân công xử lý", "Assign"),
    ("doc.pass_on", "Chuyển xử lý tiếp", "Pass on"),
    ("doc.directive", "Ý kiến chỉ đạo", "Directive"),
    ("doc.lead", "Chủ trì", "Lead"),
    ("doc.cooperate", "Phối hợp", "Cooperating"),
    ("doc.inform", "Để biết", "For information"),
    ("doc.assign_submit", "Giao việc", "Assign"),
    ("doc.my_work", "Phần việc của tôi", "My part"),
    ("doc.result", "Kết quả xử lý", "Result"),
    ("doc.finish", "Hoàn thành", "Finish"),
    ("doc.return_reason", "Lý do trả lại", "Reason for returning"),
    ("doc.return", "Trả lại", "Return"),
    ("doc.handling", "Quá trình xử lý", "Handling"),
    ("doc.opinion", "Ý kiến xử lý", "Opinion"),
    ("doc.opinion_submit", "Gửi ý kiến", "Post"),
    ("doc.timeline", "Lịch sử xử lý", "Timeline"),
    ("document.title", "Văn bản", "Document"),
    ("incoming.new", "Vào sổ văn bản đến", "Register an incoming document"),
    ("incoming.register", "Vào sổ", "Register"),
    (
        "incoming.confirm_duplicate",
        "Tôi đã kiểm tra, vẫn vào sổ văn bản này",
        "I checked; register this document anyway",
    ),
    ("search.title", "Tra cứu văn bản", "Find documents"),
    ("search.q", "Từ khóa (có dấu hoặc không dấu)", "Words (with or without diacritics)"),
    ("search.any", "Tất cả", "Any"),
    ("search.direction", "Văn bản đến / đi", "Incoming / outgoing"),
    ("search.incoming", "Văn bản đến", "Incoming"),
    ("search.outgoing", "Văn bản đi", "Outgoing"),
    ("search.from", "Từ ngày", "From"),
    ("search.to", "Đến ngày", "To"),
    ("search.sort", "Sắp xếp", "Sort"),
    ("search.relevance", "Phù hợp nhất", "Best match"),
    ("search.by_date", "Mới nhất", "Newest"),
    ("search.found", "Số văn bản tìm thấy", "Documents found"),
    ("books.title", "Sổ văn bản", "Register books"),
    ("books.empty", "Chưa có sổ nào.", "No books yet."),
    ("notice.assigned", "Đã giao việc.", "Assigned."),
    ("notice.registered", "Đã vào sổ văn bản.", "The document is registered."),
    ("nav.inbox", "Việc cần xử lý", "Inbox"),
    ("nav.register", "Vào sổ văn bản đến", "Register"),
    ("nav.search", "Tra cứu", "Search"),
    ("nav.books", "Sổ văn bản", "Books"),
    ("a11y.skip", "Bỏ qua, đến nội dung chính", "Skip to main content"),
    ("action.add", "Thêm", "Add"),
    ("action.create", "Tạo mới", "Create"),
    ("action.more", "Xem thêm", "More"),
    ("action.move", "Chuyển", "Move"),
    ("action.remove", "Gỡ bỏ", "Remove"),
    ("action.save", "Lưu", "Save"),
    ("action.search", "Tìm", "Search"),
    ("agencies.new", "Thêm cơ quan", "New agency"),
    ("agencies.title", "Cơ quan, đơn vị", "Agencies"),
    ("agency.code", "Mã định danh", "Identifier code"),
    (
        "agency.code_hint",
        "Ví dụ: H41.12 (dạng hiện hành) hoặc 000.00.12.H41 (dạng cũ).",
        "For example H41.12 (current form) or 000.00.12.H41 (legacy form).",
    ),
    ("agency.edit", "Thông tin cơ quan", "Agency details"),
    ("agency.level", "Cấp", "Level"),
    ("agency.name", "Tên cơ quan", "Name"),
    ("agency.no_parent", "(Không có — cơ quan gốc)", "(None — a top-level agency)"),
    ("agency.parent", "Cơ quan cấp trên", "Parent agency"),
    ("agency.people", "Cán bộ của cơ quan", "People of this agency"),
    ("agency.short_name", "Tên viết tắt", "Short name"),
    ("agency.status", "Trạng thái", "Status"),
    ("audit.action", "Thao tác", "Action"),
    ("audit.address", "Địa chỉ", "Address"),
    ("audit.broken", "Nhật ký đã bị can thiệp: {detail}", "The trail has been tampered with: {detail}"),
    ("audit.intact", "Nhật ký nguyên vẹn: đã kiểm tra {n} bản ghi.", "The trail is intact: {n} entries checked."),
    ("audit.object", "Đối tượng", "Object"),
    ("audit.title", "Nhật ký hệ thống", "Audit trail"),
    ("audit.verify", "Kiểm tra tính toàn vẹn", "Verify integrity"),
    ("audit.when", "Thời điểm", "When"),
    ("audit.who", "Người thực hiện", "Who"),
    ("error.bad_credentials", "Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password."),
    ("error.conflict", "Dữ liệu trùng với bản ghi đã có.", "This conflicts with an existing record."),
    (
        "error.forbidden",
        "Bạn không có quyền thực hiện thao tác này, hoặc phiên làm việc đã hết hạn — hãy tải lại trang.",
        "You are not allowed to do this, or the page has expired — reload it.",
    ),
    (
        "error.internal",
        "Đã có lỗi xảy ra. Hãy thử lại; nếu lỗi còn, báo cho bộ phận quản trị.",
        "Something went wrong. Try again; if it persists, tell the administrators.",
    ),
    (
        "error.invalid_input",
        "Dữ liệu chưa hợp lệ, hãy kiểm tra các mục được đánh dấu.",
        "Some input is not valid; check the marked fields.",
    ),
    ("error.not_found", "Không tìm thấy nội dung yêu cầu.", "Not found."),
    ("error.title", "Lỗi", "Error"),
    (
        "error.too_many_attempts",
        "Đăng nhập sai quá nhiều lần. Hãy thử lại sau {minutes} phút.",
        "Too many failed attempts. Try again in {minutes} minutes.",
    ),
    ("error.unauthenticated", "Bạn cần đăng nhập.", "Please sign in."),
    (
        "error.unavailable",
        "Hệ thống tạm thời không truy cập được cơ sở dữ liệu. Hãy thử lại sau ít phút.",
        "The database is unreachable for now. Try again in a few minutes.",
    ),
    ("home.admin", "Quản trị", "Administration"),
    ("home.greeting", "Xin chào", "Hello"),
    ("home.no_positions", "Chưa được phân công chức vụ.", "No position yet."),
    ("home.positions", "Chức vụ", "Positions"),
    ("home.roles", "Vai trò", "Roles"),
    ("home.title", "Trang chủ", "Home"),
    ("home.work", "Công việc", "Work"),
    ("home.work_empty", "Văn bản và công việc sẽ hiển thị tại đây.", "Documents and tasks will appear here."),
    ("nav.agencies", "Cơ quan, đơn vị", "Agencies"),
    ("nav.audit", "Nhật ký", "Audit"),
    ("nav.home", "Trang chủ", "Home"),
    ("nav.label", "Điều hướng chính", "Main navigation"),
    ("nav.security", "Bảo mật", "Security"),
    ("nav.signout", "Đăng xuất", "Sign out"),
    ("nav.users", "Người dùng", "Users"),
    ("notice.activated", "Đã mở lại tài khoản.", "Account reactivated."),
    ("notice.created", "Đã tạo.", "Created."),
    (
        "notice.deactivated",
        "Đã khóa tài khoản và kết thúc mọi phiên đăng nhập của người này.",
        "Account deactivated and all its sessions ended.",
    ),
    (
        "notice.password_changed",
        "Đã đổi mật khẩu. Các phiên đăng nhập khác đã được kết thúc.",
        "Password changed. Your other sessions were ended.",
    ),
    (
        "notice.password_reset",
        "Đã đặt mật khẩu tạm; người dùng phải đổi ở lần đăng nhập tới.",
        "Temporary password set; it must be changed at next sign-in.",
    ),
    ("notice.saved", "Đã lưu.", "Saved."),
    ("notice.token_revoked", "Đã thu hồi khóa truy cập.", "Token revoked."),
    ("notice.totp_disabled", "Đã tắt xác thực hai lớp.", "Two-factor sign-in turned off."),
    ("notice.totp_enabled", "Đã bật xác thực hai lớp.", "Two-factor sign-in turned on."),
    ("password.current", "Mật khẩu hiện tại", "Current password"),
    ("password.forced", "Bạn cần đặt mật khẩu mới trước khi tiếp tục.", "Set a new password before you continue."),
    (
        "password.hint",
        "Ít nhất 10 ký tự; nên dùng một cụm từ dễ nhớ. Không dùng tên đăng nhập hay mật khẩu phổ biến.",
        "At least 10 characters; a memorable phrase works well. Not your username or a common password.",
    ),
    ("password.new", "Mật khẩu mới", "New password"),
    ("password.title", "Đổi mật khẩu", "Change password"),
    ("position.move_to", "Chuyển sang đơn vị", "Move to unit"),
    ("profile.language", "Ngôn ngữ", "Language"),
    ("profile.security", "Bảo mật tài khoản", "Account security"),
    ("profile.signout_everywhere", "Đăng xuất khỏi mọi thiết bị", "Sign out everywhere"),
    ("profile.title", "Thông tin cá nhân", "Profile"),
    ("security.title", "Chính sách bảo mật", "Security policy"),
    ("security.totp_policy", "Xác thực hai lớp", "Two-factor sign-in"),
    ("security.totp_roles", "Bắt buộc xác thực hai lớp với các vai trò", "Require two-factor sign-in for these roles"),
    ("signin.password", "Mật khẩu", "Password"),
    ("signin.submit", "Đăng nhập", "Sign in"),
    ("signin.title", "Đăng nhập", "Sign in"),
    ("signin.username", "Tên đăng nhập", "Username"),
    ("status.active", "Đang hoạt động", "Active"),
    ("status.inactive", "Ngừng hoạt động", "Inactive"),
    ("status.off", "Đang tắt", "Off"),
    ("status.on", "Đang bật", "On"),
    (
        "tokens.copy_now",
        "Hãy sao chép khóa này ngay: nó chỉ hiển thị một lần.",
        "Copy this token now: it is shown only once.",
    ),
    ("tokens.created", "Ngày tạo", "Created"),
    ("tokens.expires_days", "Hết hạn sau (ngày)", "Expires after (days)"),
    (
        "tokens.explain",
        "Khóa truy cập cho phép hệ thống khác gọi API thay mặt bạn, trong phạm vi đã chọn.",
        "A token lets another system call the API on your behalf, within the chosen scopes.",
    ),
    ("tokens.name", "Tên gợi nhớ", "Name"),
    ("tokens.prefix", "Mã đầu", "Prefix"),
    ("tokens.revoke", "Thu hồi", "Revoke"),
    ("tokens.revoked", "Đã thu hồi", "Revoked"),
    ("tokens.scopes", "Phạm vi", "Scopes"),
    ("tokens.title", "Khóa truy cập API", "API tokens"),
    ("totp.code", "Mã 6 chữ số", "6-digit code"),
    ("totp.disable", "Tắt xác thực hai lớp", "Turn off"),
    ("totp.enable", "Bật xác thực hai lớp", "Turn on"),
    (
        "totp.explain",
        "Nhập mã 6 chữ số trong ứng dụng xác thực trên điện thoại của bạn.",
        "Enter the 6-digit code from the authenticator app on your phone.",
    ),
    ("totp.is_on", "Xác thực hai lớp đang bật cho tài khoản này.", "Two-factor sign-in is on for this account."),
    ("totp.open_app", "mở bằng ứng dụng", "open in the app"),
    (
        "totp.required",
        "Vai trò của bạn bắt buộc xác thực hai lớp. Hãy cài đặt để tiếp tục.",
        "Your role requires two-factor sign-in. Set it up to continue.",
    ),
    ("totp.setup_title", "Xác thực hai lớp", "Two-factor sign-in"),
    ("totp.start", "Bắt đầu cài đặt", "Start setup"),
    (
        "totp.step1",
        "Cài một ứng dụng xác thực (ví dụ Google Authenticator, Microsoft Authenticator) trên điện thoại.",
        "Install an authenticator app (e.g. Google Authenticator, Microsoft Authenticator) on your phone.",
    ),
    ("totp.step2", "Thêm tài khoản bằng khóa bí mật:", "Add an account with this secret key:"),
    ("totp.step3", "Nhập mã 6 chữ số ứng dụng hiển thị.", "Enter the 6-digit code the app shows."),
    ("totp.submit", "Xác nhận", "Confirm"),
    ("totp.title", "Xác thực hai lớp", "Two-factor sign-in"),
    ("unit.leadership", "Lãnh đạo cơ quan (không thuộc đơn vị)", "Agency leadership (no unit)"),
    ("unit.name", "Tên đơn vị", "Unit name"),
    ("unit.no_parent", "(Trực thuộc cơ quan)", "(Directly under the agency)"),
    ("unit.parent", "Thuộc đơn vị", "Inside unit"),
    ("units.new", "Đơn vị mới", "New unit"),
    ("units.none", "Chưa có đơn vị nào.", "No units yet."),
    ("units.title", "Các đơn vị", "Units"),
    ("user.account", "Tài khoản", "Account"),
    ("user.activate", "Mở lại tài khoản", "Reactivate"),
    ("user.agency", "Cơ quan", "Agency"),
    ("user.deactivate", "Khóa tài khoản", "Deactivate"),
    ("user.email", "Thư điện tử", "Email"),
    ("user.full_name", "Họ và tên", "Full name"),
    ("user.initial_password", "Mật khẩu ban đầu", "Initial password"),
    ("user.phone", "Số điện thoại", "Phone"),
    ("user.position", "Chức vụ", "Position"),
    ("user.read_only", "Bạn chỉ được xem tài khoản này.", "You may only view this account."),
    ("user.reset_password", "Đặt mật khẩu tạm", "Set a temporary password"),
    ("user.role", "Vai trò", "Role"),
    ("user.roles", "Vai trò", "Roles"),
    ("user.temp_password", "Mật khẩu tạm", "Temporary password"),
    ("user.unit", "Đơn vị", "Unit"),
    ("user.username", "Tên đăng nhập", "Username"),
    ("users.new", "Thêm người dùng", "New user"),
    ("users.none", "Không có người dùng nào phù hợp.", "No matching users."),
    ("users.search", "Tìm theo tên hoặc tên đăng nhập", "Search by name or username"),
    ("users.title", "Người dùng", "Users"),
];

static CATALOG: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
    LazyLock::new(|| MESSAGES.iter().map(|(k, vi, en)| (*k, (*vi, *en))).collect());

/// The text for `key` in `lang`; "?" when missing (a test keeps that from happening).
pub(crate) fn tr(lang: Lang, key: &str) -> &'static str {
    match CATALOG.get(key) {
        Some((vi, en)) => match lang {
            Lang::Vi => vi,
            Lang::En => en,
        },
        None => {
            tracing::warn!(key, "missing translation");
            "?"
        }
    }
}

/// Whether a key exists.
#[cfg(test)]
fn has(key: &str) -> bool {
    CATALOG.contains_key(key)
}

/// The translation of `key`, or `None` when the catalog has none (for codes shown as labels).
pub(crate) fn tr_or(lang: Lang, key: &str) -> Option<&'static str> {
    CATALOG.get(key).map(|(vi, en)| match lang {
        Lang::Vi => *vi,
        Lang::En => *en,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_used_by_a_template_exists_and_keys_are_unique() {
        assert_eq!(CATALOG.len(), MESSAGES.len(), "duplicate keys in the catalogue");
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for part in text.split("t(\"").skip(1) {
                let key = &part[..part.find('"').unwrap()];
                if key.contains('.') && !has(key) {
                    missing.push(key.to_string());
                }
            }
        }
        assert!(missing.is_empty(), "missing translations: {missing:?}");
    }

    #[test]
    fn vietnamese_is_default_and_english_differs() {
        assert_eq!(tr(Lang::default(), "signin.submit"), "Đăng nhập");
        assert_eq!(tr(Lang::En, "signin.submit"), "Sign in");
    }
}
