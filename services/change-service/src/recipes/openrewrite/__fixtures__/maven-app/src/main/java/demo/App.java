package demo;

import java.util.List;
import java.util.ArrayList;

public class App {
    public static void main(String[] args) {
        List<String> xs = new ArrayList<>();
        System.out.println(xs);
    }
}
