//! Model-based tests of the loop's ordering (issue "Prove it holds", item 1): random programs
//! of `call_soon`, `call_later`, handle cancels, spawns, task cancels and nested scheduling
//! run on evloop and on a small reference model of asyncio's rules kept here; the order in
//! which things run must be the same. Another test sends calls from several threads at once.
//!
//! The model's rules (asyncio-semantics.md §1-3, docs/how-it-works.md): a turn moves every
//! due timer (by deadline, then scheduling order) behind what is already ready, then runs
//! exactly the items that were ready at that moment; a task's step is an item like a
//! callback, and each `yield_now` puts the next step at the back; a cancelled handle never
//! runs; a cancelled task runs no further step. Time is virtual: when nothing is ready the
//! clock jumps to the next deadline.

use crate::util;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use proptest::prelude::*;

/// One thing a callback does when it runs.
#[derive(Debug, Clone)]
enum Action {
    /// `call_soon` of a callback that does the child's actions.
    Soon(Node),
    /// `call_later(ms)` of such a callback.
    Later(u8, Node),
    /// Cancel the n-th handle made so far (modulo how many there are).
    CancelHandle(usize),
    /// Spawn a task that records a step, then yields, `steps` times.
    Spawn(u8),
    /// Cancel the n-th task spawned so far (modulo).
    CancelTask(usize),
}

#[derive(Debug, Clone)]
struct Node {
    actions: Vec<Action>,
}

fn node() -> impl Strategy<Value = Node> {
    let leaf = prop_oneof![
        (0usize..8).prop_map(Action::CancelHandle),
        (1u8..4).prop_map(Action::Spawn),
        (0usize..8).prop_map(Action::CancelTask),
    ];
    let leaf_node = prop::collection::vec(leaf, 0..3).prop_map(|actions| Node { actions });
    leaf_node.prop_recursive(3, 40, 4, |inner| {
        let action = prop_oneof![
            inner.clone().prop_map(Action::Soon),
            (0u8..4, inner).prop_map(|(ms, n)| Action::Later(ms, n)),
            (0usize..8).prop_map(Action::CancelHandle),
            (1u8..4).prop_map(Action::Spawn),
            (0usize..8).prop_map(Action::CancelTask),
        ];
        prop::collection::vec(action, 0..4).prop_map(|actions| Node { actions })
    })
}

// ---- The reference model ----

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Item {
    /// A callback, by handle number.
    Callback(usize),
    /// The next step of a task, by task number.
    Step(usize),
}

struct Model {
    now: u64,
    ready: VecDeque<Item>,
    /// (deadline, scheduling order, handle)
    timers: Vec<(u64, usize, usize)>,
    seq: usize,
    /// Per handle: its node, and whether it was cancelled or already ran.
    handles: Vec<(Node, bool)>,
    /// Per task: steps left, cancelled.
    tasks: Vec<(u8, bool)>,
    trace: Vec<String>,
}

impl Model {
    fn run(root: &Node) -> Vec<String> {
        let mut m = Model {
            now: 0,
            ready: VecDeque::new(),
            timers: Vec::new(),
            seq: 0,
            handles: vec![(root.clone(), false)],
            tasks: Vec::new(),
            trace: Vec::new(),
        };
        m.ready.push_back(Item::Callback(0));
        loop {
            if m.ready.is_empty() {
                match m.timers.iter().map(|t| (t.0, t.1)).min() {
                    Some((deadline, _)) => m.now = m.now.max(deadline),
                    None => break,
                }
            }
            // Due timers, by deadline then scheduling order, behind what is ready.
            m.timers.sort();
            let now = m.now;
            let due: Vec<_> = m.timers.iter().filter(|t| t.0 <= now).copied().collect();
            m.timers.retain(|t| t.0 > now);
            m.ready.extend(due.into_iter().map(|t| Item::Callback(t.2)));
            // Exactly the batch that is ready now.
            for _ in 0..m.ready.len() {
                let item = m.ready.pop_front().unwrap();
                m.run_item(item);
            }
        }
        m.trace
    }

    fn run_item(&mut self, item: Item) {
        match item {
            Item::Callback(h) => {
                let (node, done) = self.handles[h].clone();
                if done {
                    return; // cancelled
                }
                self.handles[h].1 = true;
                self.trace.push(format!("cb{h}"));
                for action in &node.actions {
                    self.act(action);
                }
            }
            Item::Step(t) => {
                let (left, cancelled) = self.tasks[t];
                if cancelled || left == 0 {
                    return;
                }
                self.trace.push(format!("t{t}.{left}"));
                self.tasks[t].0 -= 1;
                // The step yields (or finishes, when none are left): the next step is one
                // more item at the back.
                if left > 1 {
                    self.ready.push_back(Item::Step(t));
                }
            }
        }
    }

    fn act(&mut self, action: &Action) {
        match action {
            Action::Soon(child) => {
                self.handles.push((child.clone(), false));
                self.ready.push_back(Item::Callback(self.handles.len() - 1));
            }
            Action::Later(ms, child) => {
                self.handles.push((child.clone(), false));
                self.seq += 1;
                self.timers
                    .push((self.now + u64::from(*ms), self.seq, self.handles.len() - 1));
            }
            Action::CancelHandle(i) => {
                // Handle 0 is the root, which is running; cancelling it does nothing.
                let h = i % self.handles.len();
                self.handles[h].1 = true;
                self.timers.retain(|t| t.2 != h);
            }
            Action::Spawn(steps) => {
                self.tasks.push((*steps, false));
                self.ready.push_back(Item::Step(self.tasks.len() - 1));
            }
            Action::CancelTask(i) => {
                if !self.tasks.is_empty() {
                    let t = i % self.tasks.len();
                    self.tasks[t].1 = true;
                }
            }
        }
    }
}

// ---- The same program on evloop ----

#[derive(Default)]
struct Real {
    trace: Vec<String>,
    /// Cancels, by handle number (the root's is a no-op).
    cancels: Vec<Box<dyn Fn()>>,
    tasks: Vec<evloop::TaskRef>,
}

type Shared = Rc<RefCell<Real>>;

fn run_node(st: &Shared, ev: &evloop::LoopHandle, id: usize, node: &Node) {
    st.borrow_mut().trace.push(format!("cb{id}"));
    for action in &node.actions {
        match action {
            Action::Soon(child) | Action::Later(_, child) => {
                let id = st.borrow().cancels.len();
                let (st2, ev2, child) = (st.clone(), ev.clone(), child.clone());
                let f = move || run_node(&st2, &ev2, id, &child);
                let cancel: Box<dyn Fn()> = match action {
                    Action::Soon(_) => {
                        let h = ev.call_soon(f).unwrap();
                        Box::new(move || h.cancel())
                    }
                    Action::Later(ms, _) => {
                        let h = ev
                            .call_later(Duration::from_millis(u64::from(*ms)), f)
                            .unwrap();
                        Box::new(move || h.cancel())
                    }
                    _ => unreachable!(),
                };
                st.borrow_mut().cancels.push(cancel);
            }
            Action::CancelHandle(i) => {
                // A cancel runs no user code; dropping the cancelled closure only drops an Rc.
                let s = st.borrow();
                s.cancels[i % s.cancels.len()]();
            }
            Action::Spawn(steps) => {
                let t = st.borrow().tasks.len();
                let (st2, steps) = (st.clone(), *steps);
                let task = ev
                    .create_task(async move {
                        for left in (1..=steps).rev() {
                            st2.borrow_mut().trace.push(format!("t{t}.{left}"));
                            if left > 1 {
                                evloop::yield_now().await;
                            }
                        }
                    })
                    .unwrap();
                st.borrow_mut().tasks.push(task.task_ref());
            }
            Action::CancelTask(i) => {
                let task = {
                    let s = st.borrow();
                    (!s.tasks.is_empty()).then(|| s.tasks[i % s.tasks.len()].clone())
                };
                if let Some(task) = task {
                    task.cancel();
                }
            }
        }
    }
}

fn run_real(root: &Node) -> Vec<String> {
    let (ev, _clock) = util::manual_loop();
    let st: Shared = Rc::default();
    st.borrow_mut().cancels.push(Box::new(|| {})); // the root
    let (st2, h, root) = (st.clone(), ev.handle(), root.clone());
    ev.call_soon(move || run_node(&st2, &h, 0, &root)).unwrap();
    // Turn until nothing is ready and no live timer is left.
    for _ in 0..100_000 {
        ev.run_once_timeout(Some(Duration::ZERO)).unwrap();
        if ev.ready_len() == 0 && ev.next_timeout().is_none() {
            break;
        }
    }
    std::mem::take(&mut st.borrow_mut().trace)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(util::cases(2000)))]

    #[test]
    fn evloop_runs_callbacks_timers_and_tasks_in_the_models_order(root in node()) {
        prop_assert_eq!(run_real(&root), Model::run(&root));
    }
}

#[test]
fn the_model_itself_follows_asyncios_rules() {
    // A hand-checked program: soon A, later(1) B, soon C that cancels B, a 2-step task.
    let leaf = |actions| Node { actions };
    let root = leaf(vec![
        Action::Soon(leaf(vec![])),
        Action::Later(1, leaf(vec![])),
        Action::Soon(leaf(vec![Action::CancelHandle(2)])),
        Action::Spawn(2),
        Action::Later(0, leaf(vec![])),
    ]);
    let expected = ["cb0", "cb1", "cb3", "t0.2", "cb4", "t0.1"];
    assert_eq!(Model::run(&root), expected);
    assert_eq!(run_real(&root), expected);
}

#[test]
fn calls_from_many_threads_each_run_once_in_each_threads_order() {
    let ev = evloop::EventLoop::new().unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    const THREADS: usize = 4;
    const CALLS: usize = 2_000;
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let (remote, seen) = (ev.remote(), seen.clone());
            std::thread::spawn(move || {
                for i in 0..CALLS {
                    let seen = seen.clone();
                    remote
                        .call_soon_threadsafe(move || seen.lock().unwrap().push((t, i)))
                        .unwrap();
                    if i % 97 == 0 {
                        std::thread::yield_now();
                    }
                }
            })
        })
        .collect();
    let seen2 = seen.clone();
    let h = ev.handle();
    ev.run_until_complete(async move {
        while seen2.lock().unwrap().len() < THREADS * CALLS {
            evloop::sleep(Duration::from_millis(1)).await;
        }
        let _ = h;
    })
    .unwrap();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let seen = seen.lock().unwrap();
    for t in 0..THREADS {
        let order: Vec<usize> = seen.iter().filter(|(s, _)| *s == t).map(|p| p.1).collect();
        assert_eq!(
            order,
            (0..CALLS).collect::<Vec<_>>(),
            "thread {t}: once each, in order"
        );
    }
}
