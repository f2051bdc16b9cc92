//! A month of work in the demo province, made through the same workflows people use (so every
//! rule, timeline step, inbox item, notification and audit entry is the real one), then moved
//! back in time document by document: incoming documents in every state, drafts at every
//! approval step, consultations, messages, overdue items, signed and issued documents, case
//! files. Signing in as any demo role shows a full inbox and home page at once.

use egov_storage::demo as ddb;

use super::pdf::document_pdf;
use crate::documents::case_files::CaseFileInput;
use crate::documents::drafting::{Decision, DraftInput, RecipientInput};
use crate::documents::handling::{AssignInput, Assignee};
use crate::documents::registry::IncomingInput;
use crate::documents::sending::SendInput;
use crate::documents::Upload;
use crate::signatures::demo::DEMO_PIN;
use crate::signatures::signing::{Placement, SealInput};
use crate::{commit, AppError, AppResult, Caller, Services};

/// What the work seed made, for the start-up message and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DemoWork {
    pub incoming: usize,
    pub drafts: usize,
    pub issued: usize,
    pub messages: usize,
    pub case_files: usize,
    pub tasks: usize,
    pub schedule_entries: usize,
}

/// How far an incoming document of the demo has gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Registered, not yet presented to a leader.
    Registered,
    /// Presented to the agency's head, waiting for an instruction.
    Presented,
    /// Assigned to the general affairs unit, waiting for its head.
    AtUnit,
    /// Passed on to the deputy head.
    AtDeputy,
    /// Passed on down to the specialist, some progress reported.
    AtSpecialist,
    /// Handled to the end.
    Done,
}

/// (sender, number and notation, type, subject, urgency, stage, days ago, working days allowed).
type Incoming = (&'static str, &'static str, &'static str, &'static str, &'static str, Stage, i64, Option<i64>);

/// Incoming documents of the provincial People's Committee's office over the past month.
const INCOMING: &[Incoming] = &[
    (
        "Bộ Nội vụ",
        "4512/BNV-CQĐP",
        "cong_van",
        "Hướng dẫn sắp xếp đơn vị hành chính cấp xã giai đoạn 2026–2030",
        "urgent",
        Stage::AtSpecialist,
        27,
        Some(10),
    ),
    (
        "Bộ Tài chính",
        "1187/BTC-NSNN",
        "cong_van",
        "Hướng dẫn xây dựng dự toán ngân sách nhà nước năm 2027",
        "normal",
        Stage::Done,
        26,
        Some(15),
    ),
    (
        "Văn phòng Chính phủ",
        "8834/VPCP-KGVX",
        "cong_van",
        "Ý kiến chỉ đạo của Thủ tướng về công tác phòng, chống thiên tai mùa mưa bão",
        "very_urgent",
        Stage::Done,
        25,
        Some(3),
    ),
    (
        "Sở Tài chính",
        "356/STC-QLNS",
        "bao_cao",
        "Báo cáo tình hình thực hiện dự toán thu, chi ngân sách 10 tháng năm 2026",
        "normal",
        Stage::AtDeputy,
        24,
        Some(7),
    ),
    (
        "Sở Nội vụ",
        "1024/SNV-TCBC",
        "to_trinh",
        "Tờ trình phê duyệt kế hoạch tuyển dụng viên chức sự nghiệp giáo dục năm 2026",
        "normal",
        Stage::AtUnit,
        23,
        Some(5),
    ),
    (
        "Bộ Thông tin và Truyền thông",
        "3341/BTTTT-CĐSQG",
        "cong_van",
        "Đôn đốc triển khai Đề án 06 về ứng dụng dữ liệu dân cư, định danh điện tử",
        "urgent",
        Stage::AtSpecialist,
        22,
        Some(8),
    ),
    (
        "Sở Tư pháp",
        "212/STP-HCTP",
        "bao_cao",
        "Báo cáo kết quả kiểm soát thủ tục hành chính quý III năm 2026",
        "normal",
        Stage::Done,
        21,
        Some(10),
    ),
    (
        "Ủy ban nhân dân xã Hưng Nguyên",
        "88/UBND-VP",
        "cong_van",
        "Đề nghị hỗ trợ kinh phí khắc phục hậu quả mưa lũ tháng 10",
        "very_urgent",
        Stage::AtDeputy,
        20,
        Some(5),
    ),
    (
        "Bộ Kế hoạch và Đầu tư",
        "7712/BKHĐT-TH",
        "cong_van",
        "Xây dựng kế hoạch phát triển kinh tế – xã hội 5 năm 2026–2030",
        "normal",
        Stage::AtUnit,
        19,
        Some(20),
    ),
    (
        "Sở Tài chính",
        "371/STC-VP",
        "giay_moi",
        "Giấy mời dự họp thẩm định phương án giá dịch vụ thu gom rác thải",
        "urgent",
        Stage::Done,
        18,
        Some(2),
    ),
    (
        "Thanh tra tỉnh",
        "145/TTr-NV3",
        "cong_van",
        "Cung cấp hồ sơ phục vụ thanh tra công tác quản lý đất đai",
        "normal",
        Stage::AtSpecialist,
        17,
        Some(6),
    ),
    (
        "Bộ Y tế",
        "5520/BYT-DP",
        "cong_van",
        "Tăng cường phòng, chống dịch sốt xuất huyết trong mùa mưa",
        "flash",
        Stage::Done,
        16,
        Some(1),
    ),
    (
        "Sở Nội vụ",
        "1090/SNV-CCVC",
        "cong_van",
        "Đề nghị cử cán bộ tham gia lớp bồi dưỡng quản lý nhà nước ngạch chuyên viên chính",
        "normal",
        Stage::Presented,
        15,
        Some(5),
    ),
    (
        "Ủy ban nhân dân phường Vinh Phú",
        "132/UBND-VP",
        "bao_cao",
        "Báo cáo kết quả thực hiện chính quyền đô thị 9 tháng năm 2026",
        "normal",
        Stage::AtUnit,
        14,
        Some(10),
    ),
    (
        "Bộ Giáo dục và Đào tạo",
        "6018/BGDĐT-GDPT",
        "huong_dan",
        "Hướng dẫn thực hiện nhiệm vụ giáo dục phổ thông năm học 2026–2027",
        "normal",
        Stage::Done,
        13,
        Some(15),
    ),
    (
        "Sở Tư pháp",
        "230/STP-PBGDPL",
        "ke_hoach",
        "Kế hoạch tổ chức Ngày Pháp luật Việt Nam năm 2026",
        "normal",
        Stage::AtDeputy,
        12,
        Some(5),
    ),
    (
        "Văn phòng Chính phủ",
        "9102/VPCP-ĐMDN",
        "cong_van",
        "Rà soát, cắt giảm thủ tục hành chính trong lĩnh vực đầu tư",
        "urgent",
        Stage::AtSpecialist,
        11,
        Some(4),
    ),
    (
        "Sở Tài chính",
        "398/STC-TCDN",
        "cong_van",
        "Ý kiến về phương án cổ phần hóa doanh nghiệp nhà nước do tỉnh quản lý",
        "normal",
        Stage::AtUnit,
        10,
        Some(10),
    ),
    (
        "Bộ Nội vụ",
        "4790/BNV-TL",
        "cong_van",
        "Báo cáo tình hình thực hiện chính sách tiền lương năm 2026",
        "normal",
        Stage::Presented,
        9,
        Some(7),
    ),
    (
        "Ủy ban nhân dân xã Châu Quang",
        "41/UBND",
        "cong_van",
        "Đề nghị bổ sung biên chế công chức văn hóa – xã hội",
        "normal",
        Stage::AtSpecialist,
        8,
        Some(10),
    ),
    (
        "Sở Nội vụ",
        "1135/SNV-VP",
        "thong_bao",
        "Thông báo lịch tiếp công dân tháng 12 năm 2026",
        "normal",
        Stage::Done,
        7,
        None,
    ),
    (
        "Bộ Công Thương",
        "8120/BCT-TTTN",
        "cong_van",
        "Bảo đảm cung ứng hàng hóa thiết yếu dịp Tết Nguyên đán",
        "urgent",
        Stage::AtDeputy,
        6,
        Some(6),
    ),
    (
        "Sở Tài chính",
        "412/STC-QLG",
        "cong_van",
        "Lấy ý kiến dự thảo quyết định bảng giá đất giai đoạn 2027–2031",
        "very_urgent",
        Stage::AtUnit,
        5,
        Some(3),
    ),
    (
        "Ủy ban nhân dân xã Hưng Nguyên",
        "97/UBND-VP",
        "to_trinh",
        "Tờ trình xin chủ trương đầu tư xây dựng trường mầm non Hưng Nguyên",
        "normal",
        Stage::Presented,
        4,
        Some(10),
    ),
    (
        "Bộ Tài nguyên và Môi trường",
        "6677/BTNMT-MT",
        "cong_van",
        "Tăng cường kiểm soát ô nhiễm môi trường tại các khu công nghiệp",
        "normal",
        Stage::AtSpecialist,
        3,
        Some(8),
    ),
    (
        "Sở Tư pháp",
        "251/STP-VP",
        "giay_moi",
        "Giấy mời dự hội nghị triển khai Luật Ban hành văn bản quy phạm pháp luật",
        "urgent",
        Stage::Presented,
        2,
        Some(2),
    ),
    (
        "Văn phòng Chính phủ",
        "9540/VPCP-V.I",
        "cong_van",
        "Chuẩn bị báo cáo phục vụ phiên họp Chính phủ thường kỳ tháng 12",
        "flash",
        Stage::AtUnit,
        1,
        Some(2),
    ),
    (
        "Sở Nội vụ",
        "1162/SNV-TCBC",
        "cong_van",
        "Đề nghị thẩm định đề án vị trí việc làm của các đơn vị sự nghiệp",
        "normal",
        Stage::Registered,
        1,
        Some(10),
    ),
    (
        "Bộ Quốc phòng",
        "2210/BQP-TM",
        "cong_van",
        "Triển khai công tác tuyển chọn, gọi công dân nhập ngũ năm 2027",
        "urgent",
        Stage::Presented,
        0,
        Some(5),
    ),
    (
        "Sở Tài chính",
        "430/STC-QLNS",
        "bao_cao",
        "Báo cáo ước thực hiện thu ngân sách năm 2026",
        "normal",
        Stage::Registered,
        0,
        Some(7),
    ),
    (
        "Ủy ban nhân dân phường Vinh Phú",
        "150/UBND-VP",
        "cong_van",
        "Đề nghị điều chỉnh quy hoạch chi tiết khu đô thị Vinh Phú",
        "normal",
        Stage::Registered,
        0,
        None,
    ),
];

/// (subject, how far the draft went).
const DRAFTS: &[(&str, DraftStage)] = &[
    ("Báo cáo tình hình kinh tế – xã hội tháng 11 năm 2026", DraftStage::Written),
    ("Kế hoạch kiểm tra công tác cải cách hành chính năm 2027", DraftStage::Consulting),
    ("Công văn đôn đốc giải ngân vốn đầu tư công năm 2026", DraftStage::Consulted),
    ("Báo cáo kết quả thực hiện Đề án 06 năm 2026", DraftStage::AtUnitHead),
    ("Thông báo kết luận của Chủ tịch tại cuộc họp giao ban tháng 11", DraftStage::AtLeader),
    ("Công văn trả lời kiến nghị của cử tri xã Hưng Nguyên", DraftStage::Returned),
    ("Quyết định thành lập Tổ công tác rà soát thủ tục hành chính", DraftStage::ToSign),
    ("Kế hoạch tổ chức Tết Nguyên đán Bính Ngọ cho cán bộ, công chức", DraftStage::ToIssue),
    ("Công văn về việc cử cán bộ dự lớp bồi dưỡng ngạch chuyên viên chính", DraftStage::Issued),
];

/// How far a draft of the demo has gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DraftStage {
    Written,
    Consulting,
    Consulted,
    AtUnitHead,
    AtLeader,
    Returned,
    ToSign,
    ToIssue,
    Issued,
}

/// (from, to, text, days ago, done).
const MESSAGES: &[(&str, &str, &str, i64, bool)] = &[
    (
        "truongphong",
        "chuyenvien",
        "Chị Dung chuẩn bị số liệu báo cáo tháng, gửi tôi trước 15 giờ thứ Năm nhé.",
        3,
        false,
    ),
    (
        "lanhdao",
        "truongphong",
        "Đề nghị Phòng Tổng hợp rà soát lại phần số liệu thu ngân sách trong báo cáo.",
        2,
        false,
    ),
    ("phophong", "chuyenvien", "Em gửi anh bản tổng hợp ý kiến các sở để hoàn thiện dự thảo.", 1, false),
    ("vanthu", "lanhdao", "Kính gửi anh: chiều nay có 3 văn bản hỏa tốc cần anh cho ý kiến.", 0, false),
    ("truongphong", "phophong", "Anh Cường dự họp thay tôi cuộc họp ở Sở Tài chính sáng mai.", 0, false),
    ("chuyenvien", "truongphong", "Em đã cập nhật dự thảo theo ý kiến của chị.", 6, true),
];

/// An ISO date `days` calendar days earlier.
fn shift_date(value: &str, days: i64) -> Option<String> {
    let d: jiff::civil::Date = value.parse().ok()?;
    d.checked_sub(jiff::Span::new().days(days)).ok().map(|d| d.to_string())
}

/// The demo people, signed in as it were.
struct People {
    callers: Vec<(&'static str, Caller)>,
}

impl People {
    fn get(&self, username: &str) -> AppResult<&Caller> {
        self.callers
            .iter()
            .find(|(u, _)| *u == username)
            .map(|(_, c)| c)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo user {username} is missing")))
    }
    fn id(&self, username: &str) -> AppResult<i64> {
        Ok(self.get(username)?.actor.user_id)
    }
}

const USERNAMES: &[&str] =
    &["lanhdao", "truongphong", "phophong", "chuyenvien", "vanthu", "vanthu.snv", "giamdoc.snv", "chuyenvien.snv"];

impl Services {
    /// Seeds a month of work into a freshly created demo province (after `seed_demo` and the
    /// demo PKI, so that documents can be signed). Takes a few seconds.
    pub async fn seed_demo_work(&self) -> AppResult<DemoWork> {
        let mut callers = Vec::new();
        for username in USERNAMES {
            let id = {
                let mut c = self.store.read().await?;
                egov_storage::accounts::credentials_by_username(&mut c, username)
                    .await?
                    .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo user {username} is missing")))?
                    .id
            };
            let actor = self.actor(id, None).await?;
            callers.push((*username, Caller { actor, ip: None, session_id: None, token_id: None }));
        }
        let people = People { callers };
        let (office, snv) = {
            let mut c = self.store.read().await?;
            let office = egov_storage::org::get_agency_by_code(&mut c, "H41.01").await?;
            let snv = egov_storage::org::get_agency_by_code(&mut c, "H41.12").await?;
            match (office, snv) {
                (Some(o), Some(s)) => (o, s),
                _ => return Err(AppError::internal(anyhow::anyhow!("the demo agencies are missing"))),
            }
        };
        let general_unit = {
            let mut c = self.store.read().await?;
            egov_storage::org::list_units(&mut c, office.id)
                .await?
                .into_iter()
                .find(|u| u.name == "Phòng Tổng hợp")
                .map(|u| u.id)
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("the demo unit is missing")))?
        };
        let mut work = DemoWork::default();
        let mut handled = Vec::new();
        for item in INCOMING {
            let id = self.seed_incoming(&people, general_unit, item).await?;
            if item.5 == Stage::Done {
                handled.push(id);
            }
            work.incoming += 1;
        }
        // Documents arriving from the Department of Home Affairs through the platform: issued
        // there today, waiting in the office's "to register" queue (one registered already).
        let arrivals = [
            "Đề nghị cho ý kiến về đề án sắp xếp tổ chức bộ máy các sở, ngành",
            "Báo cáo kết quả đánh giá, xếp loại công chức năm 2026",
            "Hướng dẫn quy trình bổ nhiệm lại công chức lãnh đạo cấp phòng",
        ];
        for (i, subject) in arrivals.iter().enumerate() {
            let issued = self.seed_snv_issue(&people, office.id, snv.name.as_str(), subject).await?;
            if i == 0 {
                for copy in &issued {
                    self.register_arrived(people.get("vanthu")?, *copy).await?;
                }
            }
            work.issued += 1;
        }
        for (i, (subject, stage)) in DRAFTS.iter().enumerate() {
            if self.seed_draft(&people, office.name.as_str(), snv.id, general_unit, subject, *stage, i).await? {
                work.issued += 1;
            }
            work.drafts += 1;
        }
        for (from, to, text, days, done) in MESSAGES {
            let sender = people.get(from)?;
            let id = self
                .send_message(
                    sender,
                    &SendInput { users: vec![people.id(to)?], units: Vec::new(), body: text, document_id: None },
                    Vec::new(),
                )
                .await?;
            if *done {
                let reader = people.get(to)?;
                let items = self.inbox(reader, false, None, 50).await?;
                for item in items.into_iter().filter(|r| r.message_id == Some(id)) {
                    self.mark_inbox_item(reader, item.id, true).await?;
                }
            }
            let mut tx = self.store.begin().await?;
            ddb::backdate_message(&mut tx, id, *days).await?;
            commit(tx).await?;
            work.messages += 1;
        }
        work.case_files += self.seed_case_files(&people, &handled).await?;
        let cast = super::agenda::Cast {
            leader: people.get("lanhdao")?,
            head: people.get("truongphong")?,
            deputy: people.get("phophong")?,
            officer: people.get("chuyenvien")?,
            clerk: people.get("vanthu")?,
            agency_id: office.id,
        };
        (work.tasks, work.schedule_entries) = self.seed_agenda(&cast).await?;
        tracing::info!(?work, "demo work seeded");
        Ok(work)
    }

    async fn backdate(&self, document_id: i64, days: i64) -> AppResult<()> {
        if days == 0 {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        ddb::backdate_document(&mut tx, document_id, days, &|v| shift_date(v, days)).await?;
        commit(tx).await
    }

    async fn seed_incoming(&self, people: &People, unit: i64, item: &Incoming) -> AppResult<i64> {
        let (sender, number, doc_type, subject, urgency, stage, days, allowed) = *item;
        let today = crate::documents::today();
        let issued_on = today.checked_sub(jiff::Span::new().days(2)).map_err(AppError::internal)?.to_string();
        let body = [
            "Thực hiện chỉ đạo của cấp trên và chức năng, nhiệm vụ được giao,",
            subject,
            "Đề nghị Ủy ban nhân dân tỉnh xem xét, chỉ đạo các cơ quan, đơn vị liên quan triển khai thực hiện.",
            "Trân trọng./.",
        ];
        let pdf = document_pdf(sender, number, subject, &body)?;
        let clerk = people.get("vanthu")?;
        let registered = self
            .register_incoming(
                clerk,
                &IncomingInput {
                    agency_id: None,
                    sender_agency_id: None,
                    sender_code: "",
                    sender_name: sender,
                    number_notation: number,
                    issued_on: &issued_on,
                    doc_type,
                    subject,
                    urgency,
                    secrecy: "none",
                    deadline: None,
                    deadline_days: allowed,
                    page_count: Some(1),
                    signer: "",
                    confirm_duplicate: false,
                },
                vec![Upload { name: format!("{}.pdf", number.replace('/', "-")), bytes: pdf }],
            )
            .await?;
        let id = registered.id;
        if stage != Stage::Registered {
            self.present(
                clerk,
                id,
                &[people.id("lanhdao")?],
                "Kính trình đồng chí Chánh Văn phòng cho ý kiến chỉ đạo.",
            )
            .await?;
        }
        if matches!(stage, Stage::AtUnit | Stage::AtDeputy | Stage::AtSpecialist | Stage::Done) {
            let ids = self
                .assign(
                    people.get("lanhdao")?,
                    id,
                    &AssignInput {
                        parent_assignment_id: None,
                        directive: "Giao Phòng Tổng hợp chủ trì tham mưu, báo cáo kết quả đúng hạn.",
                        lead: Some(Assignee::Unit(unit)),
                        cooperate: Vec::new(),
                        inform: Vec::new(),
                        deadline: None,
                        deadline_days: allowed,
                    },
                )
                .await?;
            let mut held = ids.first().copied();
            let depth = match stage {
                Stage::AtDeputy => 1,
                Stage::AtSpecialist | Stage::Done => 2,
                _ => 0,
            };
            let chain = [
                ("truongphong", "phophong", "Đồng chí Cường trực tiếp chỉ đạo, bảo đảm tiến độ."),
                ("phophong", "chuyenvien", "Chị Dung dự thảo văn bản trả lời, trình trước hạn 1 ngày."),
            ];
            for (from, to, directive) in chain.into_iter().take(depth) {
                let Some(parent) = held else { break };
                let next = self
                    .assign(
                        people.get(from)?,
                        id,
                        &AssignInput {
                            parent_assignment_id: Some(parent),
                            directive,
                            lead: Some(Assignee::Person(people.id(to)?)),
                            ..AssignInput::default()
                        },
                    )
                    .await?;
                held = next.first().copied();
            }
            if let (Some(leaf), Stage::AtSpecialist) = (held, stage) {
                self.set_progress(
                    people.get("chuyenvien")?,
                    leaf,
                    60,
                    "Đã tổng hợp ý kiến của các sở, đang hoàn thiện dự thảo.",
                )
                .await?;
            }
            if let (Some(leaf), Stage::Done) = (held, stage) {
                self.finish_assignment(
                    people.get("chuyenvien")?,
                    leaf,
                    "Đã tham mưu văn bản trả lời và gửi các cơ quan liên quan.",
                    None,
                )
                .await?;
            }
        }
        self.backdate(id, days).await?;
        Ok(id)
    }

    /// A document the Department of Home Affairs drafts, approves, signs and issues to the office.
    async fn seed_snv_issue(&self, people: &People, office: i64, snv_name: &str, subject: &str) -> AppResult<Vec<i64>> {
        let author = people.get("chuyenvien.snv")?;
        let pdf = document_pdf(snv_name, "    /SNV-TCBC", subject, &[subject, "Trân trọng./."])?;
        let id = self
            .create_draft(
                author,
                &DraftInput {
                    doc_type: "cong_van",
                    subject,
                    urgency: "normal",
                    secrecy: "none",
                    legal_normative: false,
                    signer: "Lưu Văn Khánh",
                    recipients: vec![RecipientInput::Agency(office)],
                    replaces_id: None,
                    note: "",
                },
                vec![Upload { name: "cong-van.pdf".into(), bytes: pdf }],
            )
            .await?;
        let leader = people.get("giamdoc.snv")?;
        self.submit_for_approval(author, id, &[leader.actor.user_id]).await?;
        self.decide(leader, id, Decision::Approve, "Đồng ý ban hành.").await?;
        self.sign_document(leader, id, DEMO_PIN, Placement::default()).await?;
        let issued = self
            .issue(
                people.get("vanthu.snv")?,
                id,
                None,
                Some(&SealInput { pin: DEMO_PIN.to_string(), number_at: None, date_at: None }),
            )
            .await?;
        Ok(issued.delivered)
    }

    /// One of the office's drafts, taken as far as `stage`; true when it was issued.
    #[allow(clippy::too_many_arguments)]
    async fn seed_draft(
        &self,
        people: &People,
        office_name: &str,
        snv: i64,
        unit: i64,
        subject: &str,
        stage: DraftStage,
        index: usize,
    ) -> AppResult<bool> {
        use DraftStage::*;
        let author = people.get("chuyenvien")?;
        let pdf = document_pdf(office_name, "    /VPUBND-TH", subject, &[subject, "Nơi nhận: như trên."])?;
        let doc_type = if subject.starts_with("Quyết định") {
            "quyet_dinh"
        } else if subject.starts_with("Kế hoạch") {
            "ke_hoach"
        } else if subject.starts_with("Báo cáo") {
            "bao_cao"
        } else if subject.starts_with("Thông báo") {
            "thong_bao"
        } else {
            "cong_van"
        };
        let id = self
            .create_draft(
                author,
                &DraftInput {
                    doc_type,
                    subject,
                    urgency: if index % 3 == 1 { "urgent" } else { "normal" },
                    secrecy: "none",
                    legal_normative: false,
                    signer: "Nguyễn Văn An",
                    recipients: vec![RecipientInput::Agency(snv), RecipientInput::Unit(unit)],
                    replaces_id: None,
                    note: "Bản dự thảo lần 1.",
                },
                vec![Upload { name: "du-thao.pdf".into(), bytes: pdf }],
            )
            .await?;
        let deputy = people.get("phophong")?;
        let head = people.get("truongphong")?;
        let leader = people.get("lanhdao")?;
        if matches!(stage, Consulting | Consulted) {
            self.consult(author, id, &[deputy.actor.user_id], None, Some(3), "Đề nghị anh cho ý kiến vào dự thảo.")
                .await?;
        }
        if stage == Consulted {
            self.answer_consultation(deputy, id, "Nhất trí với dự thảo; đề nghị bổ sung số liệu quý III.").await?;
        }
        if matches!(stage, AtUnitHead | AtLeader | Returned | ToSign | ToIssue | Issued) {
            self.submit_for_approval(author, id, &[head.actor.user_id, leader.actor.user_id]).await?;
        }
        if stage == Returned {
            self.decide(head, id, Decision::Return, "Đề nghị sửa lại phần căn cứ pháp lý và nơi nhận.").await?;
        }
        if matches!(stage, AtLeader | ToSign | ToIssue | Issued) {
            self.decide(head, id, Decision::Approve, "Đồng ý, kính trình lãnh đạo.").await?;
        }
        if matches!(stage, ToSign | ToIssue | Issued) {
            self.decide(leader, id, Decision::Approve, "").await?;
        }
        if matches!(stage, ToIssue | Issued) {
            self.sign_document(leader, id, DEMO_PIN, Placement::default()).await?;
        }
        let mut issued_copies = Vec::new();
        if stage == Issued {
            let issued = self
                .issue(
                    people.get("vanthu")?,
                    id,
                    None,
                    Some(&SealInput { pin: DEMO_PIN.to_string(), number_at: None, date_at: None }),
                )
                .await?;
            issued_copies = issued.delivered;
        }
        let days = (DRAFTS.len() - index) as i64;
        self.backdate(id, days).await?;
        for copy in issued_copies {
            self.backdate(copy, days).await?;
        }
        Ok(stage == Issued)
    }

    async fn seed_case_files(&self, people: &People, handled: &[i64]) -> AppResult<usize> {
        let owner = people.get("chuyenvien")?;
        let files = [
            ("TH.01", "Hồ sơ chỉ đạo, điều hành phát triển kinh tế – xã hội năm 2026", Some(10)),
            ("TH.05", "Hồ sơ công tác phòng, chống thiên tai năm 2026", None),
        ];
        for (i, (notation, title, retention)) in files.iter().enumerate() {
            let id = self
                .create_case_file(owner, &CaseFileInput { year: None, notation, title, retention_years: *retention })
                .await?;
            for doc in handled.iter().skip(i).step_by(2) {
                self.add_to_case_file(owner, id, *doc).await?;
            }
        }
        Ok(files.len())
    }
}
