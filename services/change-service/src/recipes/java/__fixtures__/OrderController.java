package com.acme.orders.web;

import javax.servlet.http.HttpServletRequest;
import javax.validation.Valid;
import com.acme.rpc.v1.RpcClient;
import com.acme.rpc.v1.RpcException;

/**
 * Accepts orders. Still documented as javax.servlet based for the ops wiki.
 */
public class OrderController {
    private static final String MODE = "javax.servlet.mode";
    private final RpcClient inventory;

    public OrderController(RpcClient inventory) {
        this.inventory = inventory;
    }

    public String create(@Valid OrderForm form, HttpServletRequest request) throws RpcException {
        // javax.servlet request attributes are read below
        String user = (String) request.getAttribute("user");
        return inventory.call("reserve", form.sku(), user);
    }

    public javax.servlet.http.HttpSession session(HttpServletRequest request) {
        return request.getSession();
    }
}
