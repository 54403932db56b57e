//! The simulated vCenter: users, sessions, virtual machines, library items and CD-ROMs, and
//! how each covered operation changes them and answers. No HTTP here: the server module turns
//! requests into calls of [`World::handle`] and its [`Reply`] into responses.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::BuildHasher;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde_json::{json, Value};

/// The privilege every operation needs.
pub const SYSTEM_READ: &str = "System.Read";
/// The privilege on a virtual machine that mount needs.
pub const ADD_REMOVE_DEVICE: &str = "VirtualMachine.Config.AddRemoveDevice";
/// The privilege on a library item that mount needs.
pub const DOWNLOAD_SESSION: &str = "ContentLibrary.DownloadSession";
/// The privilege on a virtual machine that disconnect needs.
pub const DEVICE_CONNECTION: &str = "VirtualMachine.Interact.DeviceConnection";
/// Every privilege the covered operations check.
pub const ALL_PRIVILEGES: &[&str] = &[
    SYSTEM_READ,
    ADD_REMOVE_DEVICE,
    DOWNLOAD_SESSION,
    DEVICE_CONNECTION,
];

/// The session header of the vSphere Automation API.
pub const SESSION_HEADER: &str = "vmware-api-session-id";

/// vCenter's default idle timeout of an API session.
pub const DEFAULT_SESSION_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The power state of a virtual machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerState {
    /// Running: its CD-ROMs can be connected and disconnected.
    PoweredOn,
    /// Off: devices can be added, not disconnected.
    PoweredOff,
    /// Suspended: no device changes at all.
    Suspended,
}

/// A virtual CD-ROM device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cdrom {
    /// Whether it is connected to its backing.
    pub connected: bool,
    /// The library item whose ISO image backs it.
    pub library_item: String,
}

#[derive(Debug, Clone)]
struct Vm {
    power: PowerState,
    cdroms: BTreeMap<String, Cdrom>,
    next_device_key: u32,
    /// How many more calls on this vm answer `RESOURCE_BUSY`.
    busy_for: u32,
    /// CD-ROMs whose tray the guest holds locked, by device id, with how long the question
    /// about it is held before disconnect fails. A device id may be locked before it exists.
    guest_locks: BTreeMap<String, Duration>,
}

#[derive(Debug, Clone)]
struct User {
    password: String,
    privileges: BTreeSet<String>,
}

#[derive(Debug, Clone)]
struct Session {
    user: String,
    created: Instant,
    last_used: Instant,
}

/// An answer: an HTTP status and a JSON body, or none.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// JSON body, when there is one.
    pub body: Option<Value>,
    /// The `Allow` header of a 405: the methods the resource has.
    pub allow: Option<&'static str>,
    /// How long the answer is held before it is sent, as vCenter holds a call while a question
    /// to the guest waits; the server waits without holding the world.
    pub held_for: Option<Duration>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Self {
        Reply {
            status,
            body: Some(body),
            allow: None,
            held_for: None,
        }
    }

    pub(crate) fn empty(status: u16) -> Self {
        Reply {
            status,
            body: None,
            allow: None,
            held_for: None,
        }
    }

    /// vCenter's standard error: `error_type` and one localizable message.
    fn error(status: u16, error_type: &str, id: &str, message: &str, args: &[&str]) -> Self {
        Reply::json(
            status,
            json!({
                "error_type": error_type,
                "messages": [{
                    "id": id,
                    "default_message": message,
                    "args": args,
                }],
            }),
        )
    }

    fn unauthenticated() -> Self {
        Reply::error(
            401,
            "UNAUTHENTICATED",
            "com.vmware.vapi.endpoint.method.authentication.required",
            "Authentication required.",
            &[],
        )
    }

    fn unauthorized(privilege: &str) -> Self {
        Reply::error(
            403,
            "UNAUTHORIZED",
            "vapi.method.authz.denied",
            &format!("Permission denied: the privilege {privilege} is missing."),
            &[privilege],
        )
    }

    fn not_found(what: &str, id: &str) -> Self {
        Reply::error(
            404,
            "NOT_FOUND",
            &format!("com.vmware.api.vcenter.{what}.not_found"),
            &format!(
                "{} with identifier '{id}' does not exist.",
                capitalized(what)
            ),
            &[id],
        )
    }

    fn invalid_argument(message: &str) -> Self {
        Reply::error(
            400,
            "INVALID_ARGUMENT",
            "com.vmware.vapi.std.errors.invalid_argument",
            message,
            &[],
        )
    }
}

fn capitalized(what: &str) -> String {
    match what {
        "vm" => "Virtual machine".to_string(),
        "cdrom" => "Virtual CD-ROM device".to_string(),
        "library.item" => "Library item".to_string(),
        other => other.to_string(),
    }
}

/// The state of the simulated vCenter. Build one with [`World::new`] and its methods, or take
/// the demo's with [`World::demo`].
#[derive(Debug, Clone)]
pub struct World {
    users: BTreeMap<String, User>,
    sessions: HashMap<String, Session>,
    vms: BTreeMap<String, Vm>,
    library_items: BTreeMap<String, bool>,
    session_timeout: Duration,
    /// How many more calls answer 503 `SERVICE_UNAVAILABLE`.
    unavailable_for: u32,
    /// Calls seen per operation (`session_create`, `iso_image_mount`, ...).
    calls: BTreeMap<&'static str, usize>,
    /// Whether `GET /api/session` is an operation (it is not in `spec/vcenter.yaml`).
    serves_session_get: bool,
    /// How many live sessions one user may have; `None`: no limit.
    max_sessions_per_user: Option<usize>,
    /// Disconnects answered (or still to be answered) with the guest's locked-tray question.
    locked_cdrom_disconnects: usize,
    /// The wall-clock time of one instant, to tell the date-times of [`Instant`]s.
    clock: WallClock,
}

/// One instant and the wall-clock time it was: sessions keep [`Instant`]s, as every call's
/// `now` is one, and their date-times are told from this pair.
#[derive(Debug, Clone, Copy)]
struct WallClock {
    instant: Instant,
    system: SystemTime,
}

impl WallClock {
    fn now() -> Self {
        WallClock {
            instant: Instant::now(),
            system: SystemTime::now(),
        }
    }

    /// The wall-clock time of `at`; one out of `SystemTime`'s range is this clock's own.
    fn time_of(self, at: Instant) -> SystemTime {
        let time = match at.checked_duration_since(self.instant) {
            Some(after) => self.system.checked_add(after),
            None => self
                .system
                .checked_sub(self.instant.saturating_duration_since(at)),
        };
        time.unwrap_or(self.system)
    }
}

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

impl World {
    /// An empty vCenter: no users, no vms, no library items.
    pub fn new() -> Self {
        World {
            users: BTreeMap::new(),
            sessions: HashMap::new(),
            vms: BTreeMap::new(),
            library_items: BTreeMap::new(),
            session_timeout: DEFAULT_SESSION_TIMEOUT,
            unavailable_for: 0,
            calls: BTreeMap::new(),
            serves_session_get: false,
            max_sessions_per_user: None,
            locked_cdrom_disconnects: 0,
            clock: WallClock::now(),
        }
    }

    /// The world of the demo and the end-to-end tests:
    /// - `administrator@vsphere.local` / `VMware1!` with every privilege, and
    ///   `readonly@vsphere.local` / `ReadOnly1!` with `System.Read` only;
    /// - `vm-42` powered on, `vm-43` powered off, `vm-44` suspended;
    /// - library items `ubuntu-24.04-iso` (an ISO image) and `photon-ova` (no .iso file).
    pub fn demo() -> Self {
        World::new()
            .user("administrator@vsphere.local", "VMware1!", ALL_PRIVILEGES)
            .user("readonly@vsphere.local", "ReadOnly1!", &[SYSTEM_READ])
            .vm("vm-42", PowerState::PoweredOn)
            .vm("vm-43", PowerState::PoweredOff)
            .vm("vm-44", PowerState::Suspended)
            .library_item("ubuntu-24.04-iso", true)
            .library_item("photon-ova", false)
            .serve_session_get()
    }

    /// Adds a user with a password and privileges.
    pub fn user(mut self, name: &str, password: &str, privileges: &[&str]) -> Self {
        self.users.insert(
            name.to_string(),
            User {
                password: password.to_string(),
                privileges: privileges.iter().map(|p| p.to_string()).collect(),
            },
        );
        self
    }

    /// Adds a virtual machine without CD-ROMs.
    pub fn vm(mut self, id: &str, power: PowerState) -> Self {
        self.vms.insert(
            id.to_string(),
            Vm {
                power,
                cdroms: BTreeMap::new(),
                next_device_key: 3000,
                busy_for: 0,
                guest_locks: BTreeMap::new(),
            },
        );
        self
    }

    /// Adds a content library item, with or without an .iso file.
    pub fn library_item(mut self, id: &str, has_iso: bool) -> Self {
        self.library_items.insert(id.to_string(), has_iso);
        self
    }

    /// How long a session may stay unused before it expires (default 30 minutes).
    pub fn session_timeout(mut self, timeout: Duration) -> Self {
        self.session_timeout = timeout;
        self
    }

    /// Answers `GET /api/session` (Get Session: the user and the times of the caller's
    /// session), as [`World::demo`] does. Off in [`World::new`], whose session resource then
    /// answers the method 405 like any other it lacks.
    pub fn serve_session_get(mut self) -> Self {
        self.serves_session_get = true;
        self
    }

    /// Limits each user to `limit` live sessions: one more login answers 503
    /// `SERVICE_UNAVAILABLE` with `com.vmware.vapi.endpoint.failedToLoginMaxUserSessionCountReached`,
    /// as vCenter does. Expired sessions do not count. Default: no limit.
    pub fn max_sessions_per_user(mut self, limit: usize) -> Self {
        self.max_sessions_per_user = Some(limit);
        self
    }

    /// Ends every session, as if each had been idle too long.
    pub fn expire_sessions(&mut self) {
        self.sessions.clear();
    }

    /// The number of live sessions.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// The number of live sessions of `user` now.
    pub fn sessions_of(&self, user: &str) -> usize {
        self.live_sessions_of(user, Instant::now())
    }

    /// Makes the next `calls` calls on `vm` answer `RESOURCE_BUSY`.
    pub fn make_busy(&mut self, vm: &str, calls: u32) {
        if let Some(vm) = self.vms.get_mut(vm) {
            vm.busy_for = calls;
        }
    }

    /// Makes the next `calls` calls answer 503 `SERVICE_UNAVAILABLE`.
    pub fn make_unavailable(&mut self, calls: u32) {
        self.unavailable_for = calls;
    }

    /// Makes the guest of `vm` hold the tray of CD-ROM `cdrom` locked (the id may be one a mount
    /// has not made yet). Disconnecting it while `vm` is powered on is answered after `hold`, as
    /// vCenter answers once its `msg.cdromdisconnect.locked` question times out: 500 `ERROR`,
    /// and the CD-ROM stays connected. Nothing happens if `vm` does not exist.
    pub fn lock_cdrom_in_guest(&mut self, vm: &str, cdrom: &str, hold: Duration) {
        if let Some(vm) = self.vms.get_mut(vm) {
            vm.guest_locks.insert(cdrom.to_string(), hold);
        }
    }

    /// Undoes [`World::lock_cdrom_in_guest`], as if the guest had ejected the CD-ROM.
    pub fn unlock_cdrom_in_guest(&mut self, vm: &str, cdrom: &str) {
        if let Some(vm) = self.vms.get_mut(vm) {
            vm.guest_locks.remove(cdrom);
        }
    }

    /// How many disconnects met a tray the guest holds locked, counted when the call arrives:
    /// those already answered and those still held.
    pub fn locked_cdrom_disconnects(&self) -> usize {
        self.locked_cdrom_disconnects
    }

    /// The CD-ROMs of `vm`, by id.
    pub fn cdroms(&self, vm: &str) -> BTreeMap<String, Cdrom> {
        self.vms
            .get(vm)
            .map(|vm| vm.cdroms.clone())
            .unwrap_or_default()
    }

    /// How many calls of `operation` (e.g. `iso_image_mount`) reached the simulator.
    pub fn calls(&self, operation: &str) -> usize {
        self.calls.get(operation).copied().unwrap_or(0)
    }

    /// Answers one request. `target` is the path and query as sent; `header` looks up a header.
    pub fn handle(
        &mut self,
        method: &str,
        target: &str,
        header: &dyn Fn(&str) -> Option<String>,
        body: &[u8],
        now: Instant,
    ) -> Reply {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let segments: Vec<&str> = path.split('/').collect();
        let session_methods = if self.serves_session_get {
            "GET, POST, DELETE"
        } else {
            "POST, DELETE"
        };
        match (method, segments.as_slice(), query) {
            ("POST", ["", "api", "session"], "") => {
                self.count("session_create");
                self.session_create(header("authorization"), now)
            }
            ("DELETE", ["", "api", "session"], "") => {
                self.count("session_delete");
                self.session_delete(header(SESSION_HEADER), now)
            }
            ("GET", ["", "api", "session"], "") if self.serves_session_get => {
                self.count("session_get");
                self.session_get(header(SESSION_HEADER), now)
            }
            ("POST", ["", "api", "vcenter", "iso", "image"], "action=mount") => {
                self.count("iso_image_mount");
                self.iso_image_mount(header(SESSION_HEADER), body, now)
            }
            (
                "POST",
                ["", "api", "vcenter", "vm", vm, "hardware", "cdrom", cdrom],
                "action=disconnect",
            ) => {
                self.count("vm_hardware_cdrom_disconnect");
                let vm = percent_decode(vm);
                let cdrom = percent_decode(cdrom);
                self.cdrom_disconnect(header(SESSION_HEADER), &vm, &cdrom, now)
            }
            (_, ["", "api", "session"], _)
                if !session_methods.split(", ").any(|allowed| allowed == method) =>
            {
                method_not_allowed(method, path, session_methods)
            }
            (_, ["", "api", "vcenter", "iso", "image"], _)
            | (_, ["", "api", "vcenter", "vm", _, "hardware", "cdrom", _], _)
                if method != "POST" =>
            {
                method_not_allowed(method, path, "POST")
            }
            _ => Reply::error(
                404,
                "OPERATION_NOT_FOUND",
                "com.vmware.vapi.rest.httpNotFound",
                &format!("Not found: {method} {target}"),
                &[],
            ),
        }
    }

    fn count(&mut self, operation: &'static str) {
        *self.calls.entry(operation).or_insert(0) += 1;
    }

    fn session_create(&mut self, authorization: Option<String>, now: Instant) -> Reply {
        if self.take_unavailable() {
            return unavailable();
        }
        let Some((name, password)) = authorization.as_deref().and_then(basic_credentials) else {
            return Reply::unauthenticated();
        };
        if self
            .users
            .get(&name)
            .is_none_or(|user| user.password != password)
        {
            return Reply::unauthenticated();
        }
        if let Some(limit) = self.max_sessions_per_user {
            if self.live_sessions_of(&name, now) >= limit {
                let limit = limit.to_string();
                return Reply::error(
                    503,
                    "SERVICE_UNAVAILABLE",
                    "com.vmware.vapi.endpoint.failedToLoginMaxUserSessionCountReached",
                    &format!("User session count is limited to {limit}."),
                    &[&limit],
                );
            }
        }
        let id = new_session_id();
        self.sessions.insert(
            id.clone(),
            Session {
                user: name,
                created: now,
                last_used: now,
            },
        );
        Reply::json(201, Value::String(id))
    }

    fn session_get(&mut self, session: Option<String>, now: Instant) -> Reply {
        if self.authenticated(session.as_deref(), now).is_none() {
            return Reply::unauthenticated();
        }
        let Some(session) = session.as_deref().and_then(|id| self.sessions.get(id)) else {
            return Reply::unauthenticated();
        };
        Reply::json(
            200,
            json!({
                "user": session.user,
                "created_time": rfc3339(self.clock.time_of(session.created)),
                "last_accessed_time": rfc3339(self.clock.time_of(session.last_used)),
            }),
        )
    }

    fn session_delete(&mut self, session: Option<String>, now: Instant) -> Reply {
        match self.authenticated(session.as_deref(), now) {
            Some(_) => {
                if let Some(id) = session {
                    self.sessions.remove(&id);
                }
                Reply::empty(204)
            }
            None => Reply::unauthenticated(),
        }
    }

    /// The user of a live session, marking it used; expired sessions are removed.
    fn authenticated(&mut self, session: Option<&str>, now: Instant) -> Option<String> {
        let id = session?;
        let live = self.sessions.get(id).is_some_and(|s| self.is_live(s, now));
        if !live {
            self.sessions.remove(id);
            return None;
        }
        let session = self.sessions.get_mut(id)?;
        session.last_used = now;
        Some(session.user.clone())
    }

    fn is_live(&self, session: &Session, now: Instant) -> bool {
        now.saturating_duration_since(session.last_used) < self.session_timeout
    }

    fn live_sessions_of(&self, user: &str, now: Instant) -> usize {
        self.sessions
            .values()
            .filter(|s| s.user == user && self.is_live(s, now))
            .count()
    }

    /// The first of `privileges` the user lacks.
    fn missing_privilege(&self, user: &str, privileges: &[&'static str]) -> Option<&'static str> {
        let held = self.users.get(user).map(|u| &u.privileges);
        privileges
            .iter()
            .copied()
            .find(|p| !held.is_some_and(|held| held.contains(*p)))
    }

    fn take_unavailable(&mut self) -> bool {
        if self.unavailable_for > 0 {
            self.unavailable_for -= 1;
            return true;
        }
        false
    }

    /// Takes one busy answer from `vm`, if it is busy.
    fn take_busy(&mut self, vm: &str) -> Option<Reply> {
        let vm_state = self.vms.get_mut(vm)?;
        if vm_state.busy_for == 0 {
            return None;
        }
        vm_state.busy_for -= 1;
        Some(Reply::error(
            500,
            "RESOURCE_BUSY",
            "com.vmware.api.vcenter.vm.busy",
            &format!("Virtual machine '{vm}' is busy performing another operation."),
            &[vm],
        ))
    }

    fn iso_image_mount(&mut self, session: Option<String>, body: &[u8], now: Instant) -> Reply {
        let Some(user) = self.authenticated(session.as_deref(), now) else {
            return Reply::unauthenticated();
        };
        if self.take_unavailable() {
            return unavailable();
        }
        if let Some(privilege) = self.missing_privilege(&user, &[SYSTEM_READ]) {
            return Reply::unauthorized(privilege);
        }
        let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
            return Reply::invalid_argument("The request body is not a JSON object.");
        };
        let text = |name: &str| fields.get(name).and_then(Value::as_str).map(str::to_string);
        let (Some(library_item), Some(vm)) = (text("library_item"), text("vm")) else {
            return Reply::invalid_argument(
                "The request body needs the strings 'library_item' and 'vm'.",
            );
        };
        if !self.vms.contains_key(&vm) {
            return Reply::not_found("vm", &vm);
        }
        let Some(&has_iso) = self.library_items.get(&library_item) else {
            return Reply::not_found("library.item", &library_item);
        };
        if let Some(privilege) =
            self.missing_privilege(&user, &[ADD_REMOVE_DEVICE, DOWNLOAD_SESSION])
        {
            return Reply::unauthorized(privilege);
        }
        if !has_iso {
            return Reply::error(
                400,
                "INVALID_ARGUMENT",
                "com.vmware.vcenter.iso.image.no_iso_file",
                &format!("Library item '{library_item}' has no .iso file."),
                &[&library_item],
            );
        }
        if let Some(busy) = self.take_busy(&vm) {
            return busy;
        }
        let Some(vm_state) = self.vms.get_mut(&vm) else {
            return Reply::not_found("vm", &vm);
        };
        if vm_state.power == PowerState::Suspended {
            return Reply::error(
                400,
                "NOT_ALLOWED_IN_CURRENT_STATE",
                "com.vmware.api.vcenter.vm.suspended",
                &format!("Virtual machine '{vm}' is suspended."),
                &[&vm],
            );
        }
        let id = vm_state.next_device_key.to_string();
        vm_state.next_device_key += 1;
        vm_state.cdroms.insert(
            id.clone(),
            Cdrom {
                connected: vm_state.power == PowerState::PoweredOn,
                library_item,
            },
        );
        Reply::json(200, Value::String(id))
    }

    fn cdrom_disconnect(
        &mut self,
        session: Option<String>,
        vm: &str,
        cdrom: &str,
        now: Instant,
    ) -> Reply {
        let Some(user) = self.authenticated(session.as_deref(), now) else {
            return Reply::unauthenticated();
        };
        if self.take_unavailable() {
            return unavailable();
        }
        if let Some(privilege) = self.missing_privilege(&user, &[SYSTEM_READ]) {
            return Reply::unauthorized(privilege);
        }
        let Some(vm_state) = self.vms.get(vm) else {
            return Reply::not_found("vm", vm);
        };
        if !vm_state.cdroms.contains_key(cdrom) {
            return Reply::not_found("cdrom", cdrom);
        }
        if let Some(privilege) = self.missing_privilege(&user, &[DEVICE_CONNECTION]) {
            return Reply::unauthorized(privilege);
        }
        if let Some(busy) = self.take_busy(vm) {
            return busy;
        }
        let Some(vm_state) = self.vms.get_mut(vm) else {
            return Reply::not_found("vm", vm);
        };
        if vm_state.power != PowerState::PoweredOn {
            return Reply::error(
                400,
                "NOT_ALLOWED_IN_CURRENT_STATE",
                "com.vmware.api.vcenter.vm.not_powered_on",
                &format!("Virtual machine '{vm}' is not powered on."),
                &[vm],
            );
        }
        let guest_lock = vm_state.guest_locks.get(cdrom).copied();
        match vm_state.cdroms.get_mut(cdrom) {
            Some(device) if device.connected => match guest_lock {
                Some(hold) => {
                    self.locked_cdrom_disconnects += 1;
                    let mut reply = Reply::error(
                        500,
                        "ERROR",
                        "msg.cdromdisconnect.locked",
                        "The guest operating system has locked the CD-ROM door and is probably \
                         using the CD-ROM, which can prevent the guest from recognizing media \
                         changes. If possible, eject the CD-ROM from inside the guest before \
                         disconnecting.",
                        &[],
                    );
                    reply.held_for = Some(hold);
                    reply
                }
                None => {
                    device.connected = false;
                    Reply::empty(204)
                }
            },
            Some(_) => Reply::error(
                400,
                "ALREADY_IN_DESIRED_STATE",
                "com.vmware.api.vcenter.vm.hardware.cdrom.already_disconnected",
                &format!("Virtual CD-ROM device '{cdrom}' of virtual machine '{vm}' is already disconnected."),
                &[cdrom, vm],
            ),
            None => Reply::not_found("cdrom", cdrom),
        }
    }
}

/// A resource that exists asked with a method it does not have: 405 with `Allow`, as HTTP
/// says, and vCenter's error body.
fn method_not_allowed(method: &str, path: &str, allow: &'static str) -> Reply {
    let mut reply = Reply::error(
        405,
        "OPERATION_NOT_FOUND",
        "com.vmware.vapi.rest.httpMethodNotAllowed",
        &format!("The method {method} is not allowed on {path}; allowed: {allow}."),
        &[],
    );
    reply.allow = Some(allow);
    reply
}

fn unavailable() -> Reply {
    Reply::error(
        503,
        "SERVICE_UNAVAILABLE",
        "com.vmware.vapi.std.errors.service_unavailable",
        "The service is unavailable; try again later.",
        &[],
    )
}

/// `time` as an RFC 3339 date-time in UTC with milliseconds, as vCenter writes them
/// (`2024-05-01T09:30:00.000Z`); a time before 1970 is written as 1970's first instant.
fn rfc3339(time: SystemTime) -> String {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let seconds = since_epoch.as_secs();
    let (year, month, day) = civil_date(seconds / 86_400);
    let of_day = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60,
        since_epoch.subsec_millis()
    )
}

/// The proleptic Gregorian year, month and day of the `days`th day after 1970-01-01
/// (Howard Hinnant's `civil_from_days`, for days on or after the epoch).
fn civil_date(days: u64) -> (u64, u64, u64) {
    // Counted from 0000-03-01, so that a leap day is the last day of its year.
    let days = days + 719_468;
    let era = days / 146_097;
    let day_of_era = days % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

/// User name and password of a `Basic` authorization header.
fn basic_credentials(authorization: &str) -> Option<(String, String)> {
    let encoded = authorization.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (name, password) = text.split_once(':')?;
    Some((name.to_string(), password.to_string()))
}

/// A new session id: 32 hex digits, like vCenter's.
fn new_session_id() -> String {
    let state = std::collections::hash_map::RandomState::new();
    let now = Instant::now();
    format!(
        "{:016x}{:016x}",
        state.hash_one((now, 1u8)),
        state.hash_one((now, 2u8))
    )
}

/// Decodes `%XX` escapes of a path segment; a malformed escape is kept as it is.
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = match bytes.get(i..i + 3) {
            Some([b'%', high, low]) => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(*high), hex(*low)) {
                    (Some(h), Some(l)) => Some((h * 16 + l) as u8),
                    _ => None,
                }
            }
            _ => None,
        };
        match decoded {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.extend(bytes.get(i).copied());
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_escapes_are_decoded_and_malformed_ones_kept() {
        assert_eq!(percent_decode("vm-42"), "vm-42");
        assert_eq!(percent_decode("a%2Fb%20c"), "a/b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    #[test]
    fn basic_credentials_are_read_from_the_header() {
        let header = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("user@vsphere.local:p:w")
        );
        assert_eq!(
            basic_credentials(&header),
            Some(("user@vsphere.local".to_string(), "p:w".to_string()))
        );
        assert_eq!(basic_credentials("Bearer x"), None);
    }

    #[test]
    fn a_method_a_resource_does_not_have_is_405_with_allow() {
        let mut world = World::demo();
        let no_header = |_: &str| None;
        let mut ask = |method: &str, target: &str| {
            let reply = world.handle(method, target, &no_header, b"", Instant::now());
            (reply.status, reply.allow)
        };
        assert_eq!(ask("PUT", "/api/session"), (405, Some("GET, POST, DELETE")));
        assert_eq!(
            ask(
                "PUT",
                "/api/vcenter/vm/vm-42/hardware/cdrom/3000?action=disconnect"
            ),
            (405, Some("POST"))
        );
        assert_eq!(ask("TRACE", "/api/vcenter/iso/image"), (405, Some("POST")));
        assert_eq!(
            ask("POST", "/api/vcenter/iso/image?action=unmount"),
            (404, None),
            "an action the simulator does not have is an unknown operation"
        );
        assert_eq!(ask("GET", "/api/vcenter/vm"), (404, None));
        assert_eq!(
            ask("POST", "/api/session?x=1"),
            (404, None),
            "POST is allowed there; the query makes it an unknown operation"
        );
    }

    const ADMIN: &str = "administrator@vsphere.local";

    fn basic(user: &str, password: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        )
    }

    /// Logs in as the demo's administrator at `now`: the reply, and the session id if any.
    fn login(world: &mut World, now: Instant) -> (Reply, Option<String>) {
        let auth = basic(ADMIN, "VMware1!");
        let header = |name: &str| (name == "authorization").then(|| auth.clone());
        let reply = world.handle("POST", "/api/session", &header, b"", now);
        let id = match &reply.body {
            Some(Value::String(id)) if reply.status == 201 => Some(id.clone()),
            _ => None,
        };
        (reply, id)
    }

    /// A call with the session header `session` (none: no header) and a body.
    fn call(
        world: &mut World,
        method: &str,
        target: &str,
        session: Option<&str>,
        body: &[u8],
        now: Instant,
    ) -> Reply {
        let header = |name: &str| {
            (name == SESSION_HEADER)
                .then(|| session.map(str::to_string))
                .flatten()
        };
        world.handle(method, target, &header, body, now)
    }

    fn logged_in(world: &mut World, now: Instant) -> String {
        match login(world, now) {
            (_, Some(id)) => id,
            (reply, None) => panic!("the administrator's login answered {reply:?}"),
        }
    }

    #[test]
    fn date_times_are_rfc3339_in_utc() {
        let at = |seconds: u64, millis: u64| {
            rfc3339(UNIX_EPOCH + Duration::from_secs(seconds) + Duration::from_millis(millis))
        };
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(951_782_400, 5), "2000-02-29T00:00:00.005Z", "a leap day");
        assert_eq!(at(1_700_000_000, 999), "2023-11-14T22:13:20.999Z");
        assert_eq!(
            at(4_107_542_399, 0),
            "2100-02-28T23:59:59.000Z",
            "2100 is no leap year"
        );
        assert_eq!(at(4_107_542_400, 0), "2100-03-01T00:00:00.000Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH - Duration::from_secs(1)),
            "1970-01-01T00:00:00.000Z",
            "a time before the epoch is clamped, not a panic"
        );
    }

    #[test]
    fn instants_are_told_as_wall_clock_times() {
        let clock = WallClock {
            instant: Instant::now(),
            system: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        };
        let later = clock.instant + Duration::from_millis(1500);
        assert_eq!(rfc3339(clock.time_of(later)), "2023-11-14T22:13:21.500Z");
        if let Some(earlier) = clock.instant.checked_sub(Duration::from_secs(20)) {
            assert_eq!(rfc3339(clock.time_of(earlier)), "2023-11-14T22:13:00.000Z");
        }
    }

    #[test]
    fn session_get_is_405_unless_served() {
        let start = Instant::now();
        let mut world =
            World::new().user("administrator@vsphere.local", "VMware1!", ALL_PRIVILEGES);
        let id = logged_in(&mut world, start);
        let reply = call(&mut world, "GET", "/api/session", Some(&id), b"", start);
        assert_eq!(
            (reply.status, reply.allow),
            (405, Some("POST, DELETE")),
            "a world that does not serve it answers 405"
        );
        assert_eq!(world.calls("session_get"), 0);

        let mut world = World::demo();
        let reply = call(&mut world, "PUT", "/api/session", None, b"", start);
        assert_eq!(
            (reply.status, reply.allow),
            (405, Some("GET, POST, DELETE"))
        );
    }

    #[test]
    fn session_get_tells_the_user_and_times_and_refreshes_the_session() {
        let start = Instant::now();
        let mut world = World::demo()
            .serve_session_get()
            .session_timeout(Duration::from_secs(60));
        let id = logged_in(&mut world, start);
        let later = start + Duration::from_secs(50);
        let reply = call(&mut world, "GET", "/api/session", Some(&id), b"", later);
        let expected = json!({
            "user": ADMIN,
            "created_time": rfc3339(world.clock.time_of(start)),
            "last_accessed_time": rfc3339(world.clock.time_of(later)),
        });
        assert_eq!((reply.status, reply.body), (200, Some(expected)));
        assert_eq!(world.calls("session_get"), 1);
        assert_eq!(
            world.authenticated(Some(&id), start + Duration::from_secs(100)),
            Some(ADMIN.to_string()),
            "the get at 50 s counts as a use: the session is live 50 s later"
        );
    }

    #[test]
    fn session_get_without_a_live_session_is_unauthenticated() {
        let start = Instant::now();
        let mut world = World::demo()
            .serve_session_get()
            .session_timeout(Duration::from_secs(60));
        let id = logged_in(&mut world, start);
        let expired = start + Duration::from_secs(61);
        for session in [None, Some("not-a-session"), Some(id.as_str())] {
            let reply = call(&mut world, "GET", "/api/session", session, b"", expired);
            assert_eq!(
                reply,
                Reply::unauthenticated(),
                "GET /api/session with session {session:?}"
            );
        }
        assert_eq!(world.calls("session_get"), 3);
    }

    #[test]
    fn a_login_past_the_session_limit_is_503() {
        let start = Instant::now();
        let mut world = World::demo()
            .max_sessions_per_user(2)
            .session_timeout(Duration::from_secs(60));
        let first = logged_in(&mut world, start);
        logged_in(&mut world, start);
        assert_eq!(world.sessions_of(ADMIN), 2);

        let (refused, _) = login(&mut world, start);
        let expected = json!({
            "error_type": "SERVICE_UNAVAILABLE",
            "messages": [{
                "id": "com.vmware.vapi.endpoint.failedToLoginMaxUserSessionCountReached",
                "default_message": "User session count is limited to 2.",
                "args": ["2"],
            }],
        });
        assert_eq!((refused.status, refused.body), (503, Some(expected)));
        assert_eq!(world.sessions_of(ADMIN), 2);

        let auth = basic("readonly@vsphere.local", "ReadOnly1!");
        let header = |name: &str| (name == "authorization").then(|| auth.clone());
        let other = world.handle("POST", "/api/session", &header, b"", start);
        assert_eq!(other.status, 201, "the limit is per user: {other:?}");

        let logout = call(
            &mut world,
            "DELETE",
            "/api/session",
            Some(&first),
            b"",
            start,
        );
        assert_eq!(logout.status, 204);
        assert_eq!(world.sessions_of(ADMIN), 1);
        let (again, _) = login(&mut world, start);
        assert_eq!(again.status, 201, "a logout frees a slot: {again:?}");
    }

    #[test]
    fn expired_sessions_do_not_count_against_the_limit() {
        let start = Instant::now();
        let mut world = World::demo()
            .max_sessions_per_user(1)
            .session_timeout(Duration::from_secs(60));
        logged_in(&mut world, start);
        let (refused, _) = login(&mut world, start + Duration::from_secs(59));
        assert_eq!(refused.status, 503);
        let (after_expiry, _) = login(&mut world, start + Duration::from_secs(60));
        assert_eq!(after_expiry.status, 201, "{after_expiry:?}");
    }

    #[test]
    fn a_limit_of_zero_refuses_every_login_but_bad_credentials_stay_401() {
        let start = Instant::now();
        let mut world = World::demo().max_sessions_per_user(0);
        assert_eq!(login(&mut world, start).0.status, 503);
        let auth = basic(ADMIN, "wrong");
        let header = |name: &str| (name == "authorization").then(|| auth.clone());
        let reply = world.handle("POST", "/api/session", &header, b"", start);
        assert_eq!(reply, Reply::unauthenticated());
    }

    /// A world with a CD-ROM mounted on `vm`, and a session: the world, the session, the
    /// disconnect's target.
    fn mounted(world: World, vm: &str, start: Instant) -> (World, String, String) {
        let mut world = world;
        let id = logged_in(&mut world, start);
        let body = json!({"library_item": "ubuntu-24.04-iso", "vm": vm}).to_string();
        let mount = call(
            &mut world,
            "POST",
            "/api/vcenter/iso/image?action=mount",
            Some(&id),
            body.as_bytes(),
            start,
        );
        let Some(Value::String(cdrom)) = mount.body else {
            panic!("mount on {vm} answered {mount:?}");
        };
        let target = format!("/api/vcenter/vm/{vm}/hardware/cdrom/{cdrom}?action=disconnect");
        (world, id, target)
    }

    #[test]
    fn a_disconnect_of_a_guest_locked_cdrom_is_held_then_fails() {
        let start = Instant::now();
        let hold = Duration::from_secs(5);
        let mut world = World::demo();
        world.lock_cdrom_in_guest("vm-42", "3000", hold);
        let (mut world, id, target) = mounted(world, "vm-42", start);
        let reply = call(&mut world, "POST", &target, Some(&id), b"", start);
        let expected = json!({
            "error_type": "ERROR",
            "messages": [{
                "id": "msg.cdromdisconnect.locked",
                "default_message": "The guest operating system has locked the CD-ROM door and \
                    is probably using the CD-ROM, which can prevent the guest from recognizing \
                    media changes. If possible, eject the CD-ROM from inside the guest before \
                    disconnecting.",
                "args": [],
            }],
        });
        assert_eq!(
            (reply.status, reply.body, reply.held_for),
            (500, Some(expected), Some(hold))
        );
        assert_eq!(world.locked_cdrom_disconnects(), 1);
        assert_eq!(world.calls("vm_hardware_cdrom_disconnect"), 1);
        assert!(
            world.cdroms("vm-42").values().all(|cdrom| cdrom.connected),
            "the CD-ROM stays connected: {:?}",
            world.cdroms("vm-42")
        );

        world.unlock_cdrom_in_guest("vm-42", "3000");
        let reply = call(&mut world, "POST", &target, Some(&id), b"", start);
        assert_eq!((reply.status, reply.held_for), (204, None));
        assert_eq!(world.locked_cdrom_disconnects(), 1);
    }

    #[test]
    fn a_guest_lock_does_not_apply_without_a_running_guest() {
        let start = Instant::now();
        let (mut unlocked, id, target) = mounted(World::demo(), "vm-43", start);
        let plain = call(&mut unlocked, "POST", &target, Some(&id), b"", start);

        let mut world = World::demo();
        world.lock_cdrom_in_guest("vm-43", "3000", Duration::from_secs(5));
        let (mut world, id, target) = mounted(world, "vm-43", start);
        let locked = call(&mut world, "POST", &target, Some(&id), b"", start);
        assert_eq!(
            locked, plain,
            "powered off, vm-43 has no guest to hold the tray: the disconnect answers as unlocked"
        );
        assert_eq!(world.locked_cdrom_disconnects(), 0);
    }

    #[test]
    fn locking_a_cdrom_of_an_unknown_vm_changes_nothing() {
        let mut world = World::demo();
        world.lock_cdrom_in_guest("vm-7", "3000", Duration::from_secs(1));
        world.unlock_cdrom_in_guest("vm-7", "3000");
        assert!(world.cdroms("vm-7").is_empty());
    }

    #[test]
    fn an_idle_session_expires() {
        let start = Instant::now();
        let mut world = World::demo().session_timeout(Duration::from_secs(60));
        let auth = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode("administrator@vsphere.local:VMware1!")
        );
        let header = |name: &str| (name == "authorization").then(|| auth.clone());
        let created = world.handle("POST", "/api/session", &header, b"", start);
        let Some(Value::String(id)) = created.body else {
            panic!("session create answered {created:?}");
        };
        assert_eq!(
            world.authenticated(Some(&id), start + Duration::from_secs(59)),
            Some("administrator@vsphere.local".to_string())
        );
        assert_eq!(
            world.authenticated(Some(&id), start + Duration::from_secs(120)),
            None
        );
        assert_eq!(world.session_count(), 0);
    }
}
