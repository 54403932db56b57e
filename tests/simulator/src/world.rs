//! The simulated vCenter: users, sessions, virtual machines, library items and CD-ROMs, and
//! how each covered operation changes them and answers. No HTTP here: the server module turns
//! requests into calls of [`World::handle`] and its [`Reply`] into responses.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::BuildHasher;
use std::time::{Duration, Instant};

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
}

#[derive(Debug, Clone)]
struct User {
    password: String,
    privileges: BTreeSet<String>,
}

#[derive(Debug, Clone)]
struct Session {
    user: String,
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
}

impl Reply {
    fn json(status: u16, body: Value) -> Self {
        Reply {
            status,
            body: Some(body),
            allow: None,
        }
    }

    fn empty(status: u16) -> Self {
        Reply {
            status,
            body: None,
            allow: None,
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

    /// Ends every session, as if each had been idle too long.
    pub fn expire_sessions(&mut self) {
        self.sessions.clear();
    }

    /// The number of live sessions.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
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
        match (method, segments.as_slice(), query) {
            ("POST", ["", "api", "session"], "") => {
                self.count("session_create");
                self.session_create(header("authorization"), now)
            }
            ("DELETE", ["", "api", "session"], "") => {
                self.count("session_delete");
                self.session_delete(header(SESSION_HEADER), now)
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
            (_, ["", "api", "session"], _) if method != "POST" && method != "DELETE" => {
                method_not_allowed(method, path, "POST, DELETE")
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
        match self.users.get(&name) {
            Some(user) if user.password == password => {
                let id = new_session_id();
                self.sessions.insert(
                    id.clone(),
                    Session {
                        user: name,
                        last_used: now,
                    },
                );
                Reply::json(201, Value::String(id))
            }
            _ => Reply::unauthenticated(),
        }
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
        let timeout = self.session_timeout;
        let live = self
            .sessions
            .get(id)
            .is_some_and(|s| now.saturating_duration_since(s.last_used) < timeout);
        if !live {
            self.sessions.remove(id);
            return None;
        }
        let session = self.sessions.get_mut(id)?;
        session.last_used = now;
        Some(session.user.clone())
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
        match vm_state.cdroms.get_mut(cdrom) {
            Some(device) if device.connected => {
                device.connected = false;
                Reply::empty(204)
            }
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
        assert_eq!(ask("GET", "/api/session"), (405, Some("POST, DELETE")));
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
