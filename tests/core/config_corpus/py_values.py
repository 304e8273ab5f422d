# every plain value type a config holds
an_int = 1
a_float = 0.1
negative = -3
big = 10**12
a_str = 'text with spaces and unicode: café ✓'
a_bool = True
nothing = None
a_list = [1, 2, 3]
a_tuple = (1, 'a', None)
single_tuple = (1, )
empty = dict()
empty_list = []
nested = dict(a=dict(b=dict(c=[dict(d=1), (dict(e=2), )])))
odd_keys = {'a-b': 1, 'with space': 2, 'class': 3}
int_keys = {1: 'one', 2: 'two'}
computed = [x * 2 for x in a_list]
joined = a_str.split(':')[0] + '!'
_private = 'kept'
__dunder = 'dropped'
def helper(x):
    return x + 1
from_helper = helper(1)
fn = lambda x: x
