//! Pages about oneself: profile, password, second factor, API tokens.

use super::form::Form;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::CookieJar;
use egov_domain::authz::Scope;
use egov_service::auth::{Stage, TotpSetup};
use egov_service::users::UserDetail;
use egov_service::AppError;
use egov_storage::accounts::TokenRow;
use serde::Deserialize;

use super::admin::ProfileForm;
use super::{ctx_with_notice, render};
use crate::error::PageError;
use crate::session::{cookie, HalfSignedIn, SignedIn, LANG_COOKIE};
use crate::view::{Ctx, FormErrors};
use crate::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/profile", get(profile).post(profile_save))
        .route("/profile/password", get(password_page).post(password_save))
        .route("/profile/totp", get(totp_page).post(totp_start))
        .route("/profile/totp/confirm", post(totp_confirm))
        .route("/profile/totp/disable", post(totp_disable))
        .route("/profile/tokens", get(tokens).post(token_create))
        .route("/profile/tokens/{id}/revoke", post(token_revoke))
        .route("/profile/signature", get(signing_key).post(signing_key_import))
}

fn fail(lang: egov_domain::Lang) -> impl Fn(AppError) -> PageError {
    move |err| PageError { err, lang }
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    ctx: Ctx,
    me: UserDetail,
    form: ProfileForm,
    errors: FormErrors,
}

async fn profile(State(st): State<AppState>, s: SignedIn, Query(q): Query<NoticeQuery>) -> Result<Response, PageError> {
    let me = st.services.me(&s.caller).await.map_err(fail(s.ctx.lang))?;
    let form = ProfileForm {
        full_name: me.user.full_name.clone(),
        email: me.user.email.clone().unwrap_or_default(),
        phone: me.user.phone.clone().unwrap_or_default(),
        locale: me.user.locale.clone(),
    };
    render(
        &ProfilePage {
            ctx: ctx_with_notice(&s, "profile.title", q.notice.as_deref()),
            me,
            form,
            errors: FormErrors::default(),
        },
        s.ctx.lang,
    )
}

async fn profile_save(
    State(st): State<AppState>,
    s: SignedIn,
    jar: CookieJar,
    Form(f): Form<ProfileForm>,
) -> Result<Response, PageError> {
    let input = f.input(true);
    match st.services.update_own_profile(&s.caller, &input).await {
        Ok(()) => {
            let jar = jar.add(cookie(LANG_COOKIE, f.locale.clone(), st.settings.secure_cookies, Some(365 * 86400)));
            Ok((jar, Redirect::to("/profile?notice=saved")).into_response())
        }
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, &["full_name", "email", "phone", "locale"]) {
            Some(errors) => {
                let me = st.services.me(&s.caller).await.map_err(fail(s.ctx.lang))?;
                render(&ProfilePage { ctx: Ctx::signed_in(&s, "profile.title"), me, form: f, errors }, s.ctx.lang)
            }
            None => Err(fail(s.ctx.lang)(e)),
        },
    }
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    ctx: Ctx,
    forced: bool,
    /// Who reset the password and when, shown while the change is due.
    reset_by: Option<(String, String)>,
    everywhere: bool,
    errors: FormErrors,
}

async fn reset_by(st: &AppState, s: &SignedIn) -> Result<Option<(String, String)>, PageError> {
    if !s.session.must_change_password {
        return Ok(None);
    }
    let notice = st.services.password_reset_notice(&s.caller).await.map_err(fail(s.ctx.lang))?;
    Ok(notice.map(|(who, at)| (who, crate::view::format_time(at))))
}

async fn password_page(State(st): State<AppState>, s: SignedIn) -> Result<Response, PageError> {
    render(
        &PasswordPage {
            reset_by: reset_by(&st, &s).await?,
            ctx: Ctx::signed_in(&s, "password.title"),
            forced: s.session.must_change_password,
            everywhere: false,
            errors: FormErrors::default(),
        },
        s.ctx.lang,
    )
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    everywhere: Option<String>,
}

async fn password_save(
    State(st): State<AppState>,
    s: SignedIn,
    Form(f): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let everywhere = f.everywhere.as_deref() == Some("true");
    match st.services.change_password(&s.caller, &f.current_password, &f.new_password, everywhere).await {
        Ok(()) if everywhere => Ok(Redirect::to("/signin").into_response()),
        Ok(()) => Ok(Redirect::to("/profile?notice=password_changed").into_response()),
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, &["current_password", "new_password"]) {
            Some(errors) => render(
                &PasswordPage {
                    reset_by: reset_by(&st, &s).await?,
                    ctx: Ctx::signed_in(&s, "password.title"),
                    forced: s.session.must_change_password,
                    everywhere,
                    errors,
                },
                s.ctx.lang,
            ),
            None => Err(fail(s.ctx.lang)(e)),
        },
    }
}

#[derive(Template)]
#[template(path = "totp_setup.html")]
struct TotpSetupPage {
    ctx: Ctx,
    enabled: bool,
    required: bool,
    setup: Option<TotpSetup>,
    errors: FormErrors,
}

impl TotpSetupPage {
    /// The setup link as a QR code, drawn here as SVG (no image service, nothing leaves the
    /// server): what the authenticator app scans. Empty if the link cannot be encoded.
    fn qr(&self) -> String {
        let Some(setup) = &self.setup else { return String::new() };
        match qrcode::QrCode::new(setup.otpauth_url.as_bytes()) {
            Ok(code) => code
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(220, 220)
                .dark_color(qrcode::render::svg::Color("#000000"))
                .light_color(qrcode::render::svg::Color("#ffffff"))
                .build(),
            Err(_) => String::new(),
        }
    }
}

/// The second-factor page works for a full session and for one that must enrol first.
async fn totp_view(
    st: &AppState,
    h: &HalfSignedIn,
    setup: Option<TotpSetup>,
    errors: FormErrors,
    notice: Option<&str>,
) -> Result<Response, PageError> {
    if h.session.stage == Stage::Totp {
        return Ok(Redirect::to("/signin/totp").into_response());
    }
    let enabled = match st.services.session_caller(&h.session, h.ctx.ip.clone()).await {
        Ok(caller) => st.services.me(&caller).await.map_err(fail(h.ctx.lang))?.user.totp_enabled,
        Err(_) => false,
    };
    // A setup already started keeps its secret: after a wrong code or a reload the page shows
    // the same one (the person may have added it to their app already).
    let setup = match setup {
        Some(s) => Some(s),
        None if !enabled => st.services.pending_totp(&h.session).await.map_err(fail(h.ctx.lang))?,
        None => None,
    };
    let mut ctx = Ctx::anonymous(&h.ctx, "totp.setup_title");
    if let Some(n) = super::notice_of(notice) {
        ctx = ctx.notice(n);
    }
    let page = TotpSetupPage { ctx, enabled, required: h.session.stage == Stage::Enroll, setup, errors };
    render(&page, h.ctx.lang)
}

async fn totp_page(
    State(st): State<AppState>,
    h: HalfSignedIn,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    totp_view(&st, &h, None, FormErrors::default(), q.notice.as_deref()).await
}

async fn totp_start(State(st): State<AppState>, h: HalfSignedIn) -> Result<Response, PageError> {
    match st.services.begin_totp(&h.session).await {
        Ok(setup) => totp_view(&st, &h, Some(setup), FormErrors::default(), None).await,
        Err(e) => match FormErrors::from_error(&e, h.ctx.lang, &[]) {
            Some(errors) => totp_view(&st, &h, None, errors, None).await,
            None => Err(fail(h.ctx.lang)(e)),
        },
    }
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn totp_confirm(
    State(st): State<AppState>,
    h: HalfSignedIn,
    Form(f): Form<CodeForm>,
) -> Result<Response, PageError> {
    match st.services.confirm_totp(&h.session, &f.code, h.ctx.ip.clone()).await {
        Ok(()) => Ok(Redirect::to("/profile?notice=totp_enabled").into_response()),
        Err(e) => match FormErrors::from_error(&e, h.ctx.lang, &["code"]) {
            Some(errors) => totp_view(&st, &h, None, errors, None).await,
            None => Err(fail(h.ctx.lang)(e)),
        },
    }
}

#[derive(Deserialize)]
struct DisableForm {
    #[serde(default)]
    password: String,
}

async fn totp_disable(
    State(st): State<AppState>,
    s: SignedIn,
    Form(f): Form<DisableForm>,
) -> Result<Response, PageError> {
    match st.services.disable_totp(&s.caller, &f.password).await {
        Ok(()) => Ok(Redirect::to("/profile?notice=totp_disabled").into_response()),
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, &["password"]) {
            Some(errors) => {
                let h = HalfSignedIn { ctx: s.ctx.clone(), session: s.session.clone() };
                totp_view(&st, &h, None, errors, None).await
            }
            None => Err(fail(s.ctx.lang)(e)),
        },
    }
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    ctx: Ctx,
    tokens: Vec<TokenRow>,
    scopes: &'static [Scope],
    new_secret: Option<String>,
    errors: FormErrors,
}

async fn tokens_view(
    st: &AppState,
    s: &SignedIn,
    new_secret: Option<String>,
    errors: FormErrors,
    notice: Option<&str>,
) -> Result<Response, PageError> {
    let tokens = st.services.tokens(&s.caller).await.map_err(fail(s.ctx.lang))?;
    let page =
        TokensPage { ctx: ctx_with_notice(s, "tokens.title", notice), tokens, scopes: Scope::ALL, new_secret, errors };
    let mut resp = render(&page, s.ctx.lang)?;
    // The page may carry a fresh secret: never cache it.
    resp.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(resp)
}

async fn tokens(State(st): State<AppState>, s: SignedIn, Query(q): Query<NoticeQuery>) -> Result<Response, PageError> {
    tokens_view(&st, &s, None, FormErrors::default(), q.notice.as_deref()).await
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    expires_in_days: String,
}

async fn token_create(
    State(st): State<AppState>,
    s: SignedIn,
    Form(f): Form<TokenForm>,
) -> Result<Response, PageError> {
    let days = match f.expires_in_days.trim() {
        "" => None,
        d => match d.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => Some(0),
        },
    };
    match st.services.create_token(&s.caller, &f.name, &f.scopes, days).await {
        Ok((_, secret)) => tokens_view(&st, &s, Some(secret), FormErrors::default(), None).await,
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, &["name", "expires_in_days"]) {
            Some(errors) => tokens_view(&st, &s, None, errors, None).await,
            None => Err(fail(s.ctx.lang)(e)),
        },
    }
}

async fn token_revoke(State(st): State<AppState>, s: SignedIn, Path(id): Path<i64>) -> Result<Response, PageError> {
    st.services.revoke_token(&s.caller, id).await.map_err(fail(s.ctx.lang))?;
    Ok(Redirect::to("/profile/tokens?notice=token_revoked").into_response())
}

#[derive(Template)]
#[template(path = "signing_key.html")]
struct SigningKeyPage {
    ctx: Ctx,
    key: Option<egov_service::signatures::KeyStatus>,
    errors: FormErrors,
}

async fn signing_key_view(
    st: &AppState,
    s: &SignedIn,
    errors: FormErrors,
    notice: Option<&str>,
) -> Result<Response, PageError> {
    let key = st.services.my_signing_key(&s.caller).await.map_err(fail(s.ctx.lang))?;
    let failed = !errors.is_empty();
    let page = SigningKeyPage { ctx: ctx_with_notice(s, "sig.key", notice), key, errors };
    let resp = render(&page, s.ctx.lang)?;
    Ok(if failed { (axum::http::StatusCode::UNPROCESSABLE_ENTITY, resp).into_response() } else { resp })
}

async fn signing_key(
    State(st): State<AppState>,
    s: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    signing_key_view(&st, &s, FormErrors::default(), q.notice.as_deref()).await
}

/// Imports the caller's certificate and key (multipart: the PKCS#12 file, its password, a new PIN, an image).
async fn signing_key_import(
    State(st): State<AppState>,
    s: SignedIn,
    m: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let result = match crate::api::documents::MultipartForm::read(m).await {
        Ok(form) => match crate::api::signatures::key_import(&form) {
            Ok(import) => {
                let owner = egov_service::signatures::KeyOwner::Person(s.caller.actor.user_id);
                st.services.import_key(&s.caller, owner, import).await.map(|_| ())
            }
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/profile/signature?notice=key_imported").into_response()),
        Err(e) => match FormErrors::from_error(&e, s.ctx.lang, &["pkcs12", "pin", "pin_again", "image"]) {
            Some(errors) => signing_key_view(&st, &s, errors, None).await,
            None => Err(fail(s.ctx.lang)(e)),
        },
    }
}
