//! Raw readiness callbacks on file descriptors: asyncio's `add_reader`, `remove_reader`,
//! `add_writer`, `remove_writer`.
//!
//! asyncio's selector is level-triggered: a reader callback is called on every turn while
//! the descriptor stays readable. mio is edge-triggered, so after each event the descriptor
//! is re-armed (one `EPOLL_CTL_MOD`): if it is still readable, the next poll reports it
//! again, and a callback that does not drain the descriptor is called again, as in asyncio.
//! Callbacks run as ordinary loop callbacks (in the turn's batch, panics caught).

use std::os::fd::RawFd;
use std::panic::Location;
use std::rc::Rc;

use mio::unix::SourceFd;
use mio::{Interest, Token};

use crate::error::LoopError;
use crate::event_loop::LoopHandle;
use crate::event_loop::core::Core;
use crate::io::registration::ScheduledIo;
use crate::reactor::{READABLE, WRITABLE};

/// A callback run when a descriptor is ready.
pub(crate) type FdCallback = Rc<dyn Fn()>;

/// The callbacks watching one descriptor.
pub(crate) struct FdWatch {
    pub(crate) fd: RawFd,
    /// The descriptor's token (its key in the loop's source slab).
    pub(crate) key: usize,
    pub(crate) reader: Option<FdCallback>,
    pub(crate) writer: Option<FdCallback>,
}

impl FdWatch {
    fn interest(&self) -> Option<Interest> {
        match (self.reader.is_some(), self.writer.is_some()) {
            (true, true) => Some(Interest::READABLE | Interest::WRITABLE),
            (true, false) => Some(Interest::READABLE),
            (false, true) => Some(Interest::WRITABLE),
            (false, false) => None,
        }
    }
}

impl Core {
    /// Schedules the callbacks of a watched descriptor for an event, and re-arms it so that
    /// a still-ready descriptor is reported again (level-triggered, as asyncio's selector).
    pub(crate) fn fd_event(&self, key: usize, bits: u8) {
        let watch = self
            .fds
            .borrow()
            .iter()
            .find(|w| w.key == key)
            .map(|w| (w.fd, w.reader.clone(), w.writer.clone(), w.interest()));
        let Some((fd, reader, writer, interest)) = watch else {
            return;
        };
        if bits & READABLE != 0
            && let Some(cb) = reader
        {
            self.call_soon_internal(move || cb(), Location::caller());
        }
        if bits & WRITABLE != 0
            && let Some(cb) = writer
        {
            self.call_soon_internal(move || cb(), Location::caller());
        }
        if let Some(interest) = interest {
            let _ = self.reactor.borrow().registry().reregister(
                &mut SourceFd(&fd),
                Token(key),
                interest,
            );
        }
    }

    /// Adds or replaces a reader (`read`) or writer callback on `fd`.
    fn watch_fd(&self, fd: RawFd, read: bool, cb: FdCallback) -> Result<(), LoopError> {
        self.check_open()?;
        let mut fds = self.fds.borrow_mut();
        let existing = fds.iter().position(|w| w.fd == fd);
        let i = match existing {
            Some(i) => i,
            None => {
                let key = self.io.borrow_mut().insert(Rc::new(ScheduledIo::default()));
                fds.push(FdWatch {
                    fd,
                    key,
                    reader: None,
                    writer: None,
                });
                fds.len() - 1
            }
        };
        let w = &mut fds[i];
        if read {
            w.reader = Some(cb);
        } else {
            w.writer = Some(cb);
        }
        let interest = w.interest().expect("a callback was just set");
        let registry_result = {
            let reactor = self.reactor.borrow();
            let mut source = SourceFd(&fd);
            if existing.is_some() {
                reactor
                    .registry()
                    .reregister(&mut source, Token(w.key), interest)
            } else {
                reactor
                    .registry()
                    .register(&mut source, Token(w.key), interest)
            }
        };
        if let Err(e) = registry_result {
            let w = fds.remove(i);
            self.io.borrow_mut().try_remove(w.key);
            return Err(LoopError::Io(e));
        }
        Ok(())
    }

    /// Removes the reader or writer callback of `fd`; true if there was one.
    pub(crate) fn unwatch_fd(&self, fd: RawFd, read: bool) -> bool {
        let mut fds = self.fds.borrow_mut();
        let Some(i) = fds.iter().position(|w| w.fd == fd) else {
            return false;
        };
        let w = &mut fds[i];
        let had = if read {
            w.reader.take()
        } else {
            w.writer.take()
        };
        let reactor = self.reactor.borrow();
        match w.interest() {
            Some(interest) => {
                let _ = reactor
                    .registry()
                    .reregister(&mut SourceFd(&fd), Token(w.key), interest);
            }
            None => {
                let _ = reactor.registry().deregister(&mut SourceFd(&fd));
                let w = fds.remove(i);
                self.io.borrow_mut().try_remove(w.key);
            }
        }
        drop(reactor);
        drop(fds);
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
    pub fn add_reader(&self, fd: RawFd, cb: impl Fn() + 'static) -> Result<(), LoopError> {
        self.core.watch_fd(fd, true, Rc::new(cb))
    }

    /// Stops watching `fd` for reading; true if a reader callback was set (asyncio
    /// `loop.remove_reader`).
    pub fn remove_reader(&self, fd: RawFd) -> bool {
        self.core.unwatch_fd(fd, true)
    }

    /// Calls `cb` on every turn while `fd` is writable (asyncio `loop.add_writer`).
    ///
    /// # Errors
    ///
    /// As [`add_reader`](LoopHandle::add_reader).
    pub fn add_writer(&self, fd: RawFd, cb: impl Fn() + 'static) -> Result<(), LoopError> {
        self.core.watch_fd(fd, false, Rc::new(cb))
    }

    /// Stops watching `fd` for writing; true if a writer callback was set.
    pub fn remove_writer(&self, fd: RawFd) -> bool {
        self.core.unwatch_fd(fd, false)
    }
}
