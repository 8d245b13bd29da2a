//! Testing one extension in isolation (TEN's `AsyncExtensionTester` and `pytest_ten`).
//!
//! The tester runs a small app with a hidden node, `ten:test_extension`, standing for the
//! test. In **single mode** everything the extension under test sends goes to the tester, and
//! everything the test sends goes to the extension, so no connections are needed. In **graph
//! mode** the user's graph includes a `ten:test_extension` node with its own connections.
//!
//! The test body is an async closure given a [`TestContext`]; it runs once the extension has
//! started, and the test ends when it returns (TEN's `stop_test`), with its error if any, or
//! with [`TenError::Timeout`] if the whole test takes longer than the timeout. A body that
//! panics (a failed `assert!`) ends the test at once with [`TenError::TestPanicked`] and the
//! panic's message, as a failed assertion ends a `pytest_ten` test.
//!
//! # Examples
//!
//! ```
//! use std::rc::Rc;
//! use std::time::Duration;
//! use evloop::ext::{Cmd, CmdResult, Extension, ExtensionTester, HookFuture, Responder, TenEnv};
//!
//! /// Asks "weather" downstream and answers with what it heard.
//! struct Forecaster;
//! impl Extension for Forecaster {
//!     fn on_cmd(self: Rc<Self>, env: TenEnv, cmd: Cmd, mut reply: Responder) -> HookFuture {
//!         Box::pin(async move {
//!             let weather = env.send_cmd(Cmd::new("weather")?).await?;
//!             let mut r = CmdResult::ok(&cmd);
//!             r.set_detail(&weather.detail().unwrap_or_default());
//!             reply.send(r)
//!         })
//!     }
//! }
//!
//! let outcome = ExtensionTester::single("forecaster", || Rc::new(Forecaster))
//!     .mock_cmd("weather", |cmd| {
//!         let mut r = CmdResult::ok(cmd);
//!         r.set_detail("sunny");
//!         r
//!     })
//!     .timeout(Duration::from_secs(5))
//!     .run(async |ctx| {
//!         let r = ctx.send_cmd(Cmd::new("forecast")?).await?;
//!         assert_eq!(r.detail().as_deref(), Some("sunny"));
//!         ctx.assert_no_data()
//!     });
//! assert_eq!(outcome, Ok(()));
//! ```

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use super::app::{App, AppHandle};
use super::caught::{Caught, Failure};
use super::env::TenEnv;
use super::error::TenError;
use super::extension::{Extension, HookFuture};
use super::graph::{Graph, Node};
use super::log::LogRecord;
use super::msg::{AudioFrame, Cmd, CmdResult, Data, VideoFrame};
use super::properties::Properties;
use super::results::Responder;
use crate::Queue;

/// The hidden test node's name.
pub const TEST_EXTENSION: &str = "ten:test_extension";

/// Makes a mocked result for a command.
type Mock = Rc<dyn Fn(&Cmd) -> CmdResult>;

/// What the extension under test sent to the tester.
#[derive(Clone)]
struct Inbox {
    cmds: Queue<(Cmd, Responder)>,
    data: Queue<Data>,
    audio: Queue<AudioFrame>,
    video: Queue<VideoFrame>,
}

impl Inbox {
    fn new() -> Inbox {
        Inbox {
            cmds: Queue::new(0),
            data: Queue::new(0),
            audio: Queue::new(0),
            video: Queue::new(0),
        }
    }
}

/// What a test body uses: send to the extension, expect what it sends back.
pub struct TestContext {
    env: TenEnv,
    inbox: Inbox,
    /// The test's outcome, first set wins (stop_test, the body, or the timeout).
    outcome: Rc<RefCell<Option<Result<(), TenError>>>>,
}

impl TestContext {
    /// The tester's env, to send anything (`send_cmd_ex`, frames, properties...).
    pub fn env(&self) -> &TenEnv {
        &self.env
    }

    /// Sends a command to the extension and waits for its completed result.
    ///
    /// # Errors
    ///
    /// As [`TenEnv::send_cmd`].
    pub async fn send_cmd(&self, cmd: Cmd) -> Result<CmdResult, TenError> {
        self.env.send_cmd(cmd).await
    }

    /// Sends data to the extension.
    ///
    /// # Errors
    ///
    /// As [`TenEnv::send_data`].
    pub fn send_data(&self, data: Data) -> Result<(), TenError> {
        self.env.send_data(data)
    }

    /// Sends an audio frame to the extension.
    ///
    /// # Errors
    ///
    /// As [`TenEnv::send_audio_frame`].
    pub fn send_audio_frame(&self, frame: AudioFrame) -> Result<(), TenError> {
        self.env.send_audio_frame(frame)
    }

    /// Waits for the next command the extension sends (not answered by a mock), which must
    /// be named `name`; answer it through the returned responder.
    ///
    /// # Errors
    ///
    /// [`TenError::Timeout`] if none comes within `within`; [`TenError::Generic`] if another
    /// command comes first.
    pub async fn expect_cmd(
        &self,
        name: &str,
        within: Duration,
    ) -> Result<(Cmd, Responder), TenError> {
        let (cmd, reply) = expect(&self.inbox.cmds, within).await?;
        check(name, cmd.name(), "cmd")?;
        Ok((cmd, reply))
    }

    /// Waits for the next data message, which must be named `name`.
    ///
    /// # Errors
    ///
    /// As [`expect_cmd`](TestContext::expect_cmd).
    pub async fn expect_data(&self, name: &str, within: Duration) -> Result<Data, TenError> {
        let data = expect(&self.inbox.data, within).await?;
        check(name, data.name(), "data")?;
        Ok(data)
    }

    /// Waits for the next audio frame, which must be named `name`.
    ///
    /// # Errors
    ///
    /// As [`expect_cmd`](TestContext::expect_cmd).
    pub async fn expect_audio_frame(
        &self,
        name: &str,
        within: Duration,
    ) -> Result<AudioFrame, TenError> {
        let frame = expect(&self.inbox.audio, within).await?;
        check(name, frame.name(), "audio_frame")?;
        Ok(frame)
    }

    /// Ends the test now with `outcome` (TEN's `stop_test(error)`): the app closes and
    /// `run` returns `outcome` (the body's own return value is then ignored).
    pub fn stop_test(&self, outcome: Result<(), TenError>) {
        self.outcome.borrow_mut().get_or_insert(outcome);
        self.env.close_app();
    }

    /// Fails if the extension sent a command the test has not taken.
    ///
    /// # Errors
    ///
    /// [`TenError::Generic`] naming the command.
    pub fn assert_no_cmd(&self) -> Result<(), TenError> {
        match self.inbox.cmds.get_nowait() {
            Ok((cmd, _)) => Err(TenError::Generic(format!(
                "unexpected cmd '{}'",
                cmd.name()
            ))),
            Err(_) => Ok(()),
        }
    }

    /// Fails if the extension sent data the test has not taken.
    ///
    /// # Errors
    ///
    /// [`TenError::Generic`] naming the message.
    pub fn assert_no_data(&self) -> Result<(), TenError> {
        match self.inbox.data.get_nowait() {
            Ok(d) => Err(TenError::Generic(format!("unexpected data '{}'", d.name()))),
            Err(_) => Ok(()),
        }
    }
}

async fn expect<T: 'static>(queue: &Queue<T>, within: Duration) -> Result<T, TenError> {
    match crate::wait_for(queue.get(), within).await {
        Ok(Ok(item)) => Ok(item),
        Ok(Err(_)) => Err(TenError::TenIsClosed),
        Err(_) => Err(TenError::Timeout),
    }
}

fn check(expected: &str, got: &str, kind: &str) -> Result<(), TenError> {
    if expected == got {
        Ok(())
    } else {
        Err(TenError::Generic(format!(
            "expected {kind} '{expected}', got '{got}'"
        )))
    }
}

type Body = Box<
    dyn FnOnce(
        TestContext,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), TenError>>>>,
>;

/// The hidden test extension.
struct TesterExt {
    body: RefCell<Option<Body>>,
    mocks: HashMap<String, Mock>,
    inbox: Inbox,
    outcome: Rc<RefCell<Option<Result<(), TenError>>>>,
}

impl Extension for TesterExt {
    fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
        // The body runs as its own task, so that on_start returns and messages flow.
        if let Some(body) = self.body.borrow_mut().take() {
            let ctx = TestContext {
                env: env.clone(),
                inbox: self.inbox.clone(),
                outcome: self.outcome.clone(),
            };
            let outcome = self.outcome.clone();
            crate::spawn(async move {
                // A failed assertion panics: caught here, it ends the test at once with its
                // message, where it used to leave the app running until the timeout.
                let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(ctx)));
                let caught = match made {
                    Ok(fut) => (Caught { fut }).await,
                    Err(p) => Err(Failure::panic(&*p)),
                };
                let result = caught.map_err(|f| match f {
                    Failure::Error(e) => e,
                    Failure::Panic(message) => TenError::TestPanicked(message),
                });
                outcome.borrow_mut().get_or_insert(result);
                env.close_app();
            });
        }
        Box::pin(async { Ok(()) })
    }

    fn on_cmd(self: Rc<Self>, _env: TenEnv, cmd: Cmd, mut reply: Responder) -> HookFuture {
        match self.mocks.get(cmd.name()) {
            Some(mock) => {
                let result = mock(&cmd);
                Box::pin(async move { reply.send(result) })
            }
            None => {
                let _ = self.inbox.cmds.put_nowait((cmd, reply));
                Box::pin(async { Ok(()) })
            }
        }
    }

    fn on_data(self: Rc<Self>, _env: TenEnv, data: Data) -> HookFuture {
        let _ = self.inbox.data.put_nowait(data);
        Box::pin(async { Ok(()) })
    }

    fn on_audio_frame(self: Rc<Self>, _env: TenEnv, frame: AudioFrame) -> HookFuture {
        let _ = self.inbox.audio.put_nowait(frame);
        Box::pin(async { Ok(()) })
    }

    fn on_video_frame(self: Rc<Self>, _env: TenEnv, frame: VideoFrame) -> HookFuture {
        let _ = self.inbox.video.put_nowait(frame);
        Box::pin(async { Ok(()) })
    }
}

/// Runs one extension (or a graph) against a test body; see the [module docs](self).
///
/// Rosetta: TEN `AsyncExtensionTester` (`set_test_mode_single` / `set_test_mode_graph`,
/// `set_timeout`, `stop_test`, `run`) and `pytest_ten`'s `expect_cmd`, `mock_cmd_response`,
/// `assert_no_*`.
pub struct ExtensionTester {
    app: App,
    graph: Graph,
    /// Single mode: the node under test.
    single: Option<String>,
    mocks: HashMap<String, Mock>,
    timeout: Duration,
    /// A setup error (bad property JSON), returned by `run`.
    setup_error: Option<TenError>,
}

impl ExtensionTester {
    /// Single mode: the extension made by `make`, wired to the tester both ways.
    pub fn single<E: Extension>(
        addon: &str,
        make: impl Fn() -> Rc<E> + 'static,
    ) -> ExtensionTester {
        let mut app = App::new();
        app.register(addon, make);
        let mut graph = Graph::default();
        graph.add_node(Node {
            name: addon.to_string(),
            addon: addon.to_string(),
            property: Properties::new(),
        });
        ExtensionTester {
            app,
            graph,
            single: Some(addon.to_string()),
            mocks: HashMap::new(),
            timeout: Duration::from_secs(180),
            setup_error: None,
        }
    }

    /// Graph mode: `graph_json` must include a `ten:test_extension` node (any addon name)
    /// and the connections to and from it; register the other addons with
    /// [`register`](ExtensionTester::register).
    ///
    /// # Errors
    ///
    /// A bad graph, or one without the test node.
    pub fn graph(graph_json: &str) -> Result<ExtensionTester, TenError> {
        let graph = Graph::from_json(graph_json)?;
        if graph.node_index(TEST_EXTENSION).is_none() {
            return Err(TenError::InvalidGraph(format!(
                "a tester graph needs a '{TEST_EXTENSION}' node"
            )));
        }
        Ok(ExtensionTester {
            app: App::new(),
            graph,
            single: None,
            mocks: HashMap::new(),
            timeout: Duration::from_secs(180),
            setup_error: None,
        })
    }

    /// Registers an addon the graph uses.
    pub fn register<E: Extension>(
        mut self,
        addon: &str,
        make: impl Fn() -> Rc<E> + 'static,
    ) -> Self {
        self.app.register(addon, make);
        self
    }

    /// Single mode: the extension's properties, as its node's `property` in a graph. Bad
    /// JSON makes `run` fail with [`TenError::InvalidJson`].
    pub fn property_json(mut self, json: &str) -> Self {
        if let Some(node) = self.graph.nodes.first_mut()
            && let Err(e) = node.property.set_json("", json)
        {
            self.setup_error.get_or_insert(e);
        }
        self
    }

    /// Answers every command named `name` that the extension sends with `make(cmd)`.
    pub fn mock_cmd(mut self, name: &str, make: impl Fn(&Cmd) -> CmdResult + 'static) -> Self {
        self.mocks.insert(name.to_string(), Rc::new(make));
        self
    }

    /// Sends the app's log lines to `sink` (see [`App::on_log`]).
    pub fn on_log(mut self, sink: impl Fn(&LogRecord) + 'static) -> Self {
        self.app.on_log(sink);
        self
    }

    /// Fails the test with [`TenError::Timeout`] if it takes longer than `timeout` (default
    /// 3 minutes, as TEN's).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Runs the test on a new loop; returns the body's outcome.
    ///
    /// # Errors
    ///
    /// What the body returned, [`TenError::TestPanicked`] with the message of a panic in
    /// the body, [`TenError::Timeout`], or a graph error.
    pub fn run(
        self,
        body: impl AsyncFnOnce(TestContext) -> Result<(), TenError> + 'static,
    ) -> Result<(), TenError> {
        crate::run(self.run_async(body)).map_err(|e| TenError::Generic(e.to_string()))?
    }

    /// Runs the test on the running loop.
    ///
    /// # Errors
    ///
    /// As [`run`](ExtensionTester::run).
    pub async fn run_async(
        mut self,
        body: impl AsyncFnOnce(TestContext) -> Result<(), TenError> + 'static,
    ) -> Result<(), TenError> {
        if let Some(e) = self.setup_error.take() {
            return Err(e);
        }
        let outcome = Rc::new(RefCell::new(None));
        let body: Body = Box::new(move |ctx| Box::pin(body(ctx)));
        let tester = Rc::new(TesterExt {
            body: RefCell::new(Some(body)),
            mocks: std::mem::take(&mut self.mocks),
            inbox: Inbox::new(),
            outcome: outcome.clone(),
        });
        if self.single.is_some() {
            self.graph.add_node(Node {
                name: TEST_EXTENSION.to_string(),
                addon: TEST_EXTENSION.to_string(),
                property: Properties::new(),
            });
        }
        // The test node's addon: ours in single mode, whatever the user's graph names it.
        let addon = self
            .graph
            .nodes
            .iter()
            .find(|n| n.name == TEST_EXTENSION)
            .map(|n| n.addon.clone())
            .expect("checked when the tester was made");
        let cell = RefCell::new(Some(tester));
        self.app.register(&addon, move || {
            cell.borrow_mut().take().expect("one tester node")
        });
        if let Some(name) = &self.single {
            self.app.redirect_single(name, TEST_EXTENSION);
        }
        self.app.load_graph(self.graph)?;
        let handle: AppHandle = self.app.handle();
        let timed_out = outcome.clone();
        let timer = crate::get_running_loop()
            .and_then(|ev| {
                ev.call_later(self.timeout, move || {
                    timed_out.borrow_mut().get_or_insert(Err(TenError::Timeout));
                    handle.close();
                })
            })
            .map_err(|e| TenError::Generic(e.to_string()))?;
        self.app.run().await?;
        timer.cancel();
        let result = outcome.borrow_mut().take();
        result.unwrap_or(Err(TenError::Generic("the test never started".into())))
    }
}
