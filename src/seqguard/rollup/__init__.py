"""The rollup pipeline: after the block, the data-availability layer.

``batch``    L2 blocks as a batch: what a verifier needs to re-execute them
``codec``    batch compression (zlib, brotli, zstd), tagged by its first byte
``frames``   a compressed batch split into frames under the DA layer's size limit
``da/``      the data-availability layers behind one interface: ``file``, ``ethereum``
``inbox``    the L1 queue (deposits and forced transactions) and its inclusion rule
``batcher``  posts sealed blocks and output roots, resumes after a restart
``derive``   frames back into batches, with the inbox items each block must include
``verifier`` ``seqguard verify``: re-executes from genesis and checks every claim
``l1``       an L1 over JSON-RPC: signing, the inbox's events, ``seqguard deploy-l1``
``service``  the node's batcher and inbox-reader threads
"""
