/** Which sale the cart on the Sell screen was charged as (cleared when that sale is paid,
 *  parked, or a new sale starts; kept when the charge is cancelled or fails). */
export const cartSale: { id: string | null } = { id: null };
