//! The subsystems a loop holds only once a program uses them: `add_reader` watches, signal
//! handlers, the child-process watcher. Each is defined, and changed, by its own module
//! (`io::raw`, `signals`, `process`); the loop keeps them type-erased, so its code names
//! none of them and a build without their feature compiles none of their code.
//!
//! asyncio's `BaseEventLoop` grows such state as attributes (`_signal_handlers`, the child
//! watcher of `unix_events`); here each is one slot, found by its type.

use std::any::Any;
use std::cell::RefCell;
use std::convert::Infallible;
use std::rc::Rc;

/// A loop's optional subsystems, at most one of each type, in the order they were made.
#[derive(Default)]
pub(crate) struct Components(RefCell<Vec<Rc<dyn Any>>>);

impl Components {
    /// The subsystem of type `T`, if this loop made one.
    pub(crate) fn get<T: 'static>(&self) -> Option<Rc<T>> {
        self.0
            .borrow()
            .iter()
            .find_map(|c| c.clone().downcast::<T>().ok())
    }

    /// The subsystem of type `T`, made with `make` (outside any borrow) on first use.
    pub(crate) fn get_or_insert_with<T: 'static>(&self, make: impl FnOnce() -> T) -> Rc<T> {
        match self.get_or_try_insert_with(|| Ok::<T, Infallible>(make())) {
            Ok(c) => c,
            Err(never) => match never {},
        }
    }

    /// The subsystem of type `T`, made by `make` on first use; `make` may fail, and then
    /// nothing is kept.
    pub(crate) fn get_or_try_insert_with<T: 'static, E>(
        &self,
        make: impl FnOnce() -> Result<T, E>,
    ) -> Result<Rc<T>, E> {
        if let Some(c) = self.get::<T>() {
            return Ok(c);
        }
        let c = Rc::new(make()?);
        self.0.borrow_mut().push(c.clone());
        Ok(c)
    }

    /// Takes every subsystem out (the loop is closing), for the caller to drop with no
    /// borrow held.
    pub(crate) fn take_all(&self) -> Vec<Rc<dyn Any>> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

#[cfg(test)]
mod tests {
    use super::Components;

    #[test]
    fn one_subsystem_per_type_made_once() {
        let c = Components::default();
        assert!(c.get::<u32>().is_none());
        let a = c.get_or_insert_with(|| 7u32);
        let b = c.get_or_insert_with(|| 8u32);
        assert_eq!((*a, *b), (7, 7));
        let s = c
            .get_or_try_insert_with(|| Ok::<_, ()>(String::from("x")))
            .unwrap();
        assert_eq!(*s, "x");
        assert!(c.get_or_try_insert_with(|| Err::<u8, _>("no")).is_err());
        assert!(c.get::<u8>().is_none());
        assert_eq!(c.take_all().len(), 2);
        assert!(c.get::<u32>().is_none());
    }
}
