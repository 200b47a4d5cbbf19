/* queue.c — the simulator's event queue: a binary min-heap of sim_event ordered by
 * (at_ms, seq). seq is the insertion count, so two events at the same virtual
 * millisecond always come out in the order they were scheduled — the run never depends
 * on how a heap happens to break ties. The array doubles when full (sim_grow, here too:
 * the simulator's other growable arrays use it). */
#include <stdlib.h>

#include "sim/sim_internal.h"

static int before(const sim_event *a, const sim_event *b)
{
    return a->at_ms != b->at_ms ? a->at_ms < b->at_ms : a->seq < b->seq;
}

static void swap(sim_event *a, sim_event *b)
{
    sim_event t = *a;
    *a = *b;
    *b = t;
}

int sim_grow(void **items, int64_t *capacity, int64_t count, int64_t initial, size_t item_size)
{
    if (count < *capacity)
        return 0;
    int64_t grown = *capacity ? *capacity * 2 : initial;
    void *moved = realloc(*items, (size_t)grown * item_size);
    if (moved == NULL)
        return PW_ENOMEM;
    *items = moved;
    *capacity = grown;
    return 0;
}

int sim_queue_push(sim_queue *q, int64_t at_ms, int kind, int32_t index, int64_t ref)
{
    void *items = q->items;
    int rc = sim_grow(&items, &q->capacity, q->count, 1024, sizeof(*q->items));
    if (rc != PW_OK)
        return rc;
    q->items = items;
    int64_t i = q->count++;
    q->items[i] = (sim_event){.at_ms = at_ms, .seq = q->next_seq++, .kind = kind, .index = index, .ref = ref};
    while (i > 0 && before(&q->items[i], &q->items[(i - 1) / 2])) {
        swap(&q->items[i], &q->items[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    return 0;
}

int sim_queue_pop(sim_queue *q, sim_event *out)
{
    if (q->count == 0)
        return 0;
    *out = q->items[0];
    q->items[0] = q->items[--q->count];
    for (int64_t i = 0;;) {
        int64_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < q->count && before(&q->items[l], &q->items[m]))
            m = l;
        if (r < q->count && before(&q->items[r], &q->items[m]))
            m = r;
        if (m == i)
            break;
        swap(&q->items[i], &q->items[m]);
        i = m;
    }
    return 1;
}

void sim_queue_free(sim_queue *q)
{
    free(q->items);
    *q = (sim_queue){0};
}
