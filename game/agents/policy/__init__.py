"""The planner's policies, one module per market, shared by the built-in agents and the RL encoding.

market    the quarter's public facts, read once for every company (chips on sale for each kind
          of hall, chips per MW, running costs by region and cooling, when power bought now
          comes online, last quarter's spot sell-through and RFP wins)
holdings  what a company holds this quarter, read once from its view (free hall power by
          cooling and export status, crews its sites need, chips on the way)
value     what a MW or an H100e is worth to the score: the margin it earns, discounted
power     grid bids (where the long game pays), gas turbines, powered-site lots
build     which power to build on and with which cooling, crews (fractions too), crew training
chips     what may be bought and installed where (export controls), bids and agreements
compute   spot offers, RFP bids, sub-contracts
finance   borrowing, repaying, raising equity
"""
