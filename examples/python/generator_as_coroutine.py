# Seed 003, "Generators": a generator used as a coroutine with yield/send.
# The seed calls next(double) on the function; it must be called on the generator object,
# and the seed's snippet prints nothing, so the results are printed here.
def double():
    v = None
    while True:
        v = 2 * (yield v)

gen = double()
next(gen)            # advance to the first yield point
print(gen.send(3))   # 6
print(gen.send(8))   # 16
