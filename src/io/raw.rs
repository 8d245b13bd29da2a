//! Raw readiness callbacks on file descriptors: asyncio's `add_reader`, `remove_reader`,
//! `add_writer`, `remove_writer`.
//!
//! asyncio's selector is level-triggered: a reader callback is called on every turn while
//! the descriptor stays readable. mio is edge-triggered, so after each event the descriptor
//! is re-armed (one `EPOLL_CTL_MOD`): if it is still readable, the next poll reports it
//! again, and a callback that does not drain the descriptor is called again, as in asyncio.
//! Callbacks run as ordinary loop callbacks (in the turn's batch, panics caught).

use std::cell::RefCell;
use std::os::fd::RawFd;
use std::panic::Location;
use std::rc::{Rc, Weak};

use mio::Interest;
use mio::unix::SourceFd;

use crate::error::LoopError;
use crate::event_loop::LoopHandle;
use crate::event_loop::core::Core;
use crate::reactor::{Dispatch, READABLE, WRITABLE};

/// A callback run when a descriptor is ready.
type FdCallback = Rc<dyn Fn()>;

/// The callbacks watching one descriptor; the reactor tells it when the descriptor is ready.
struct FdWatch {
    fd: RawFd,
    /// The descriptor's key in the reactor's source table.
    key: std::cell::Cell<usize>,
    reader: RefCell<Option<FdCallback>>,
    writer: RefCell<Option<FdCallback>>,
    /// The loop that runs the callbacks.
    core: Weak<Core>,
}

impl FdWatch {
    fn interest(&self) -> Option<Interest> {
        match (
            self.reader.borrow().is_some(),
            self.writer.borrow().is_some(),
        ) {
            (true, true) => Some(Interest::READABLE | Interest::WRITABLE),
            (true, false) => Some(Interest::READABLE),
            (false, true) => Some(Interest::WRITABLE),
            (false, false) => None,
        }
    }
}

impl Dispatch for FdWatch {
    /// Schedules the reader and writer callbacks the readiness calls for, then re-arms the
    /// descriptor (level-triggered, as asyncio's selector).
    fn dispatch(&self, bits: u8) {
        let Some(core) = self.core.upgrade() else {
            return;
        };
        if bits & READABLE != 0
            && let Some(cb) = self.reader.borrow().clone()
        {
            core.call_soon_internal(move || cb(), Location::caller());
        }
        if bits & WRITABLE != 0
            && let Some(cb) = self.writer.borrow().clone()
        {
            core.call_soon_internal(move || cb(), Location::caller());
        }
        if let Some(interest) = self.interest() {
            let _ = core
                .reactor()
                .reregister(&mut SourceFd(&self.fd), self.key.get(), interest);
        }
    }
}

/// The descriptors one loop watches (a loop component, made on the first `add_reader` or
/// `add_writer`).
#[derive(Default)]
struct FdWatches(RefCell<Vec<Rc<FdWatch>>>);

impl FdWatches {
    /// Adds or replaces a reader (`read`) or writer callback on `fd`.
    fn watch(
        &self,
        core: &Rc<Core>,
        fd: RawFd,
        read: bool,
        cb: FdCallback,
    ) -> Result<(), LoopError> {
        core.check_open()?;
        let existing = self.0.borrow().iter().find(|w| w.fd == fd).cloned();
        let watch = existing.clone().unwrap_or_else(|| {
            Rc::new(FdWatch {
                fd,
                key: std::cell::Cell::new(usize::MAX),
                reader: RefCell::new(None),
                writer: RefCell::new(None),
                core: Rc::downgrade(core),
            })
        });
        let old = if read {
            watch.reader.replace(Some(cb))
        } else {
            watch.writer.replace(Some(cb))
        };
        drop(old);
        let interest = watch.interest().expect("a callback was just set");
        let reactor = core.reactor();
        let mut source = SourceFd(&fd);
        if existing.is_some() {
            reactor
                .reregister(&mut source, watch.key.get(), interest)
                .map_err(LoopError::Io)?;
        } else {
            let key = reactor
                .register(&mut source, interest, watch.clone())
                .map_err(LoopError::Io)?;
            watch.key.set(key);
            self.0.borrow_mut().push(watch);
        }
        Ok(())
    }

    /// Removes the reader or writer callback of `fd`; true if there was one.
    fn unwatch(&self, core: &Core, fd: RawFd, read: bool) -> bool {
        let Some(watch) = self.0.borrow().iter().find(|w| w.fd == fd).cloned() else {
            return false;
        };
        let had = if read {
            watch.reader.take()
        } else {
            watch.writer.take()
        };
        let reactor = core.reactor();
        match watch.interest() {
            Some(interest) => {
                let _ = reactor.reregister(&mut SourceFd(&fd), watch.key.get(), interest);
            }
            None => {
                reactor.deregister(&mut SourceFd(&fd), watch.key.get());
                self.0.borrow_mut().retain(|w| w.fd != fd);
            }
        }
        had.is_some()
    }
}

impl LoopHandle {
    /// Calls `cb` on every turn while `fd` is readable (asyncio `loop.add_reader`); replaces
    /// a previous reader callback of `fd`. The descriptor stays owned by the caller; remove
    /// the callback before closing it.
    ///
    /// # Errors
    ///
    /// [`LoopError::Closed`], or [`LoopError::Io`] if the OS refuses to watch `fd`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    ///
    /// evloop::run(async {
    ///     let (mut a, b) = UnixStream::pair().unwrap();
    ///     let (lp, fd) = (evloop::get_running_loop().unwrap(), b.as_raw_fd());
    ///     let got = evloop::Future::new();
    ///     let done = got.clone();
    ///     lp.add_reader(fd, move || {
    ///         let mut buf = [0; 16];
    ///         let n = (&b).read(&mut buf).unwrap(); // readable: does not block
    ///         let _ = done.set_result(buf[..n].to_vec());
    ///     })
    ///     .unwrap();
    ///     a.write_all(b"ping").unwrap();
    ///     assert_eq!(got.await.unwrap(), b"ping");
    ///     lp.remove_reader(fd);
    /// })
    /// .unwrap();
    /// ```
    pub fn add_reader(&self, fd: RawFd, cb: impl Fn() + 'static) -> Result<(), LoopError> {
        let watches = self
            .core
            .components()
            .get_or_insert_with(FdWatches::default);
        watches.watch(&self.core, fd, true, Rc::new(cb))
    }

    /// Stops watching `fd` for reading; true if a reader callback was set (asyncio
    /// `loop.remove_reader`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::fd::AsRawFd;
    ///
    /// evloop::run(async {
    ///     let (_a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let lp = evloop::get_running_loop().unwrap();
    ///     lp.add_reader(b.as_raw_fd(), || {}).unwrap();
    ///     assert!(lp.remove_reader(b.as_raw_fd()));
    ///     assert!(!lp.remove_reader(b.as_raw_fd())); // nothing left to remove
    /// })
    /// .unwrap();
    /// ```
    pub fn remove_reader(&self, fd: RawFd) -> bool {
        self.core
            .components()
            .get::<FdWatches>()
            .is_some_and(|w| w.unwatch(&self.core, fd, true))
    }

    /// Calls `cb` on every turn while `fd` is writable (asyncio `loop.add_writer`).
    ///
    /// # Errors
    ///
    /// As [`add_reader`](LoopHandle::add_reader).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::fd::AsRawFd;
    ///
    /// evloop::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let lp = evloop::get_running_loop().unwrap();
    ///     let writable = evloop::Future::new();
    ///     let w = writable.clone();
    ///     lp.add_writer(a.as_raw_fd(), move || {
    ///         let _ = w.set_result(true);
    ///     })
    ///     .unwrap();
    ///     assert!(writable.await.unwrap()); // an empty socket buffer: writable at once
    ///     lp.remove_writer(a.as_raw_fd());
    /// })
    /// .unwrap();
    /// ```
    pub fn add_writer(&self, fd: RawFd, cb: impl Fn() + 'static) -> Result<(), LoopError> {
        let watches = self
            .core
            .components()
            .get_or_insert_with(FdWatches::default);
        watches.watch(&self.core, fd, false, Rc::new(cb))
    }

    /// Stops watching `fd` for writing; true if a writer callback was set.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::fd::AsRawFd;
    ///
    /// evloop::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let lp = evloop::get_running_loop().unwrap();
    ///     lp.add_writer(a.as_raw_fd(), || {}).unwrap();
    ///     assert!(lp.remove_writer(a.as_raw_fd()));
    ///     assert!(!lp.remove_writer(a.as_raw_fd())); // nothing left to remove
    /// })
    /// .unwrap();
    /// ```
    pub fn remove_writer(&self, fd: RawFd) -> bool {
        self.core
            .components()
            .get::<FdWatches>()
            .is_some_and(|w| w.unwatch(&self.core, fd, false))
    }
}
