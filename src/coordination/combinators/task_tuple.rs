//! The tasks a gather of running tasks holds: a tuple of handles of different types (what
//! [`gather!`](crate::gather!) builds) or a `Vec` of one type, behind one trait, so that
//! `GatherTuple` and the gathering future read them alike.

use crate::error::TaskError;
use crate::task::{Task, TaskRef};

/// A tuple of task handles of different types, as [`gather!`](crate::gather!) builds.
pub trait TaskTuple {
    /// The tuple of the tasks' values.
    type Output;
    /// The tasks, erased, in tuple order.
    fn task_refs(&self) -> Vec<TaskRef>;
    /// Takes every task's value; the first error in tuple order if one failed.
    fn take_all(&mut self) -> Result<Self::Output, TaskError>;
    /// Takes the error of the failed task at position `i`.
    fn take_error(&mut self, i: usize) -> TaskError;
}

macro_rules! task_tuple {
    ($($T:ident $i:tt),+) => {
        impl<$($T),+> TaskTuple for ($(Task<$T>,)+) {
            type Output = ($($T,)+);

            fn task_refs(&self) -> Vec<TaskRef> {
                vec![$(self.$i.task_ref()),+]
            }

            fn take_all(&mut self) -> Result<Self::Output, TaskError> {
                Ok(($(self.$i.take_result().expect("finished")?,)+))
            }

            fn take_error(&mut self, i: usize) -> TaskError {
                match i {
                    $($i => match self.$i.take_result() {
                        Some(Err(e)) => e,
                        _ => unreachable!("only failed tasks are asked for their error"),
                    },)+
                    _ => unreachable!("index within the tuple"),
                }
            }
        }
    };
}

task_tuple!(A 0);
task_tuple!(A 0, B 1);
task_tuple!(A 0, B 1, C 2);
task_tuple!(A 0, B 1, C 2, D 3);
task_tuple!(A 0, B 1, C 2, D 3, E 4);
task_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
task_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
task_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// Any number of tasks of one type, as [`gather_tasks`](crate::gather_tasks) gathers them.
impl<T> TaskTuple for Vec<Task<T>> {
    type Output = Vec<T>;

    fn task_refs(&self) -> Vec<TaskRef> {
        self.iter().map(Task::task_ref).collect()
    }

    fn take_all(&mut self) -> Result<Vec<T>, TaskError> {
        self.iter_mut()
            .map(|t| t.take_result().expect("finished"))
            .collect()
    }

    fn take_error(&mut self, i: usize) -> TaskError {
        match self[i].take_result() {
            Some(Err(e)) => e,
            _ => unreachable!("only failed tasks are asked for their error"),
        }
    }
}
