// The deliveries a silence or an inhibition source holds back, read from their documents at the moment of a wake.
//
// Why the documents and not Temporal's visibility: a wake must see every delivery held back before the hold ended.
// Visibility lags the workflows by about a second, and an index search lags its writes until the next refresh; so
// the listing first refreshes the alert index, after which every document write acknowledged before the refresh is
// found. The held delivery does the other half (storm-steps.ts, `confirmHold`): it records its hold first, then looks
// again whether the hold is still in force. Either the wake's listing comes after that record (and finds it), or the
// delivery's second look comes after the hold ended (and sees it ended): no delivery is missed by both.
import type { Client } from '@opensearch-project/opensearch';

/** Documents read per page (search_after paging, so a storm's thousands are all listed). */
const PAGE = 1_000;

/** The statuses of a delivery that waits on its hold (store/found-document.ts: the `hold` kind). */
const HELD_STATUSES = ['silenced', 'inhibited'];

export class HeldDeliveries {
  /** @param index the alert index (or its write alias with rollover: the search covers every index behind it) */
  /** @param page documents per search (default 1,000) */
  constructor(private readonly client: Client, private readonly index: string, private readonly page = PAGE) {}

  /** The workflow IDs of the deliveries whose documents say they are held back by `held` (`silence:<id>`, `inhibit:<alertId>`). */
  async list(held: string): Promise<string[]> {
    await this.client.indices.refresh({ index: this.index });
    const ids: string[] = [];
    let after: string[] | undefined; // the last hit's sort value (its workflow ID)
    for (;;) {
      const res = await this.client.search({
        index: this.index,
        body: {
          size: this.page,
          _source: ['workflowId'],
          query: { bool: { filter: [{ term: { suppressedBy: held } }, { terms: { deliveryStatus: HELD_STATUSES } }] } },
          sort: [{ workflowId: 'asc' }],
          ...(after ? { search_after: after } : {}),
        },
      });
      const hits = (res.body as { hits: { hits: { _source?: { workflowId?: string }; sort?: string[] }[] } }).hits.hits;
      for (const h of hits) if (h._source?.workflowId) ids.push(h._source.workflowId);
      if (hits.length < this.page) return ids;
      after = hits[hits.length - 1].sort;
    }
  }
}
